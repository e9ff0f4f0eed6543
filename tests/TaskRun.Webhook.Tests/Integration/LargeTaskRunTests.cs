using Xunit;
using static TaskRun.Webhook.Tests.Integration.Manifests;

namespace TaskRun.Webhook.Tests.Integration;

/// <summary>
/// A TaskRun over the API server's 256 KiB annotation limit once client-side kubectl apply adds its
/// last-applied-configuration copy: refused with what to do, and accepted when applied server-side.
/// </summary>
[Collection(WebhookTests.Name)]
public sealed class LargeTaskRunTests(WebhookFixture fixture)
{
    [Theory]
    [InlineData("v2")]
    [InlineData("v1")]
    public async Task Client_side_apply_of_a_300_KB_TaskRun_is_refused_naming_server_side_apply_which_then_works(string version)
    {
        var ns = await fixture.Kubernetes.CreateNamespaceAsync("large");
        var manifest = version == "v2" ? ValidV2(ns, "large") : ValidV1(ns, "large");
        manifest["spec"]![version == "v2" ? "files" : "markdownFiles"]![0]!["content"] = new string('x', 300_000);

        var clientSide = await fixture.KubectlWithInputAsync(manifest.ToJsonString(), "apply", "-f", "-");
        var serverSide = await fixture.KubectlWithInputAsync(manifest.ToJsonString(), "apply", "--server-side", "-f", "-");

        Assert.False(clientSide.Succeeded, clientSide.ToString());
        Assert.Contains("metadata.annotations: the annotations total", clientSide.StandardError, StringComparison.Ordinal);
        Assert.Contains("limit of 262,144 bytes (256 KiB)", clientSide.StandardError, StringComparison.Ordinal);
        Assert.Contains("kubectl apply --server-side", clientSide.StandardError, StringComparison.Ordinal);
        Assert.Contains("ServerSideApply=true", clientSide.StandardError, StringComparison.Ordinal);
        Assert.Contains("Flux already applies server-side", clientSide.StandardError, StringComparison.Ordinal);
        Assert.DoesNotContain("Too long: must have at most", clientSide.StandardError, StringComparison.Ordinal);
        Assert.True(serverSide.Succeeded, serverSide.ToString());
        Assert.Equal(300_000, ((string?)(await fixture.GetAsync(V2Resource, ns, "large"))["spec"]!["files"]![0]!["content"])!.Length);
    }

    [Fact]
    public async Task A_TaskRun_just_under_the_limit_applies_client_side()
    {
        var ns = await fixture.Kubernetes.CreateNamespaceAsync("large");
        var manifest = ValidV2(ns, "fits");
        manifest["spec"]!["files"]![0]!["content"] = new string('x', 200_000);

        var applied = await fixture.KubectlWithInputAsync(manifest.ToJsonString(), "apply", "-f", "-");

        Assert.True(applied.Succeeded, applied.ToString());
    }
}
