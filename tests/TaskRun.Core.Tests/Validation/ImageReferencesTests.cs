using TaskRun.Core.Validation;
using Xunit;

namespace TaskRun.Core.Tests.Validation;

/// <summary>Image references are OCI references and nothing else; allow-list patterns match what they say and no more.</summary>
public sealed class ImageReferencesTests
{
    [Theory]
    [InlineData("busybox")]
    [InlineData("busybox:1.36")]
    [InlineData("ghcr.io/5dlabs/platform/claude-code:latest")]
    [InlineData("localhost:5000/agent:v1.2_rc-1")]
    [InlineData("registry.local/agent@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef")]
    [InlineData("registry.local/a__b/c--d.e:tag")]
    public void A_valid_reference_is_accepted(string reference) => Assert.True(ImageReferences.IsValid(reference));

    [Theory]
    [InlineData("")]
    [InlineData("$(id)")]
    [InlineData("busybox;id")]
    [InlineData("busybox id")]
    [InlineData("busybox\n")]
    [InlineData("busybox:1.36\nrm")]
    [InlineData("Busybox")]
    [InlineData("ghcr.io/org/../agent")]
    [InlineData("`id`")]
    [InlineData("agent@sha256:short")]
    [InlineData("-agent")]
    public void Anything_else_is_refused(string reference) => Assert.False(ImageReferences.IsValid(reference));

    [Theory]
    [InlineData("ghcr.io/5dlabs/*", "ghcr.io/5dlabs/agent:2", true)]
    [InlineData("ghcr.io/5dlabs/*", "ghcr.io/5dlabs-evil/agent:2", false)]
    [InlineData("ghcr.io/5dlabs/*", "ghcr.io/5dlabs/", false)]
    [InlineData("ghcr.io/5dlabs/agent:*", "ghcr.io/5dlabs/agent:2", true)]
    [InlineData("ghcr.io/5dlabs/agent:*", "ghcr.io/5dlabs/agent-evil:2", false)]
    [InlineData("ghcr.io/5dlabs/agent:2", "ghcr.io/5dlabs/agent:2", true)]
    [InlineData("ghcr.io/5dlabs/agent:2", "ghcr.io/5dlabs/agent:20", false)]
    [InlineData("ghcr.io/5dlabs/*", "ghcr.io/5dlabs/agent:2;id", false)]
    public void A_pattern_matches_only_what_it_names(string pattern, string image, bool allowed)
    {
        Assert.True(ImageReferences.IsValidPattern(pattern));
        Assert.Equal(allowed, ImageReferences.IsAllowed(image, [pattern]));
    }

    [Fact]
    public void No_pattern_allows_nothing() => Assert.False(ImageReferences.IsAllowed("busybox:1.36", []));

    [Theory]
    [InlineData("ghcr.io/org*")]
    [InlineData("ghcr.io/*/agent")]
    [InlineData("*")]
    [InlineData("ghcr.io/org/**")]
    [InlineData("$(id)/*")]
    public void A_pattern_must_end_in_a_separator_and_a_single_star(string pattern) => Assert.False(ImageReferences.IsValidPattern(pattern));
}
