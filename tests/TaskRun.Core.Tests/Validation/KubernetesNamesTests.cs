using TaskRun.Core.Validation;
using Xunit;

namespace TaskRun.Core.Tests.Validation;

/// <summary>apimachinery's name rules; a trailing newline must not slip past a '$' anchor.</summary>
public sealed class KubernetesNamesTests
{
    [Theory]
    [InlineData("a", true)]
    [InlineData("auth-service", true)]
    [InlineData("0", true)]
    [InlineData("a-1", true)]
    [InlineData("", false)]
    [InlineData("-a", false)]
    [InlineData("a-", false)]
    [InlineData("A", false)]
    [InlineData("a.b", false)]
    [InlineData("a_b", false)]
    [InlineData("a b", false)]
    [InlineData("a\n", false)]
    [InlineData("\na", false)]
    [InlineData("a\r\n", false)]
    [InlineData("é", false)]
    public void Dns1123_label(string value, bool expected) => Assert.Equal(expected, KubernetesNames.IsDns1123Label(value));

    [Fact]
    public void Dns1123_label_is_at_most_63_characters()
    {
        Assert.True(KubernetesNames.IsDns1123Label(new string('a', 63)));
        Assert.False(KubernetesNames.IsDns1123Label(new string('a', 64)));
    }

    [Theory]
    [InlineData("a", true)]
    [InlineData("a.b", true)]
    [InlineData("auth-service.example.com", true)]
    [InlineData("a..b", false)]
    [InlineData(".a", false)]
    [InlineData("a.", false)]
    [InlineData("a.-b", false)]
    [InlineData("A.b", false)]
    [InlineData("a.b\n", false)]
    [InlineData("", false)]
    public void Dns1123_subdomain(string value, bool expected) => Assert.Equal(expected, KubernetesNames.IsDns1123Subdomain(value));

    [Fact]
    public void Dns1123_subdomain_is_at_most_253_characters()
    {
        var longest = string.Join('.', Enumerable.Repeat(new string('a', 63), 4))[..253];
        Assert.True(KubernetesNames.IsDns1123Subdomain(longest));
        Assert.False(KubernetesNames.IsDns1123Subdomain(longest + "a"));
    }

    [Theory]
    [InlineData("", true)]
    [InlineData("a", true)]
    [InlineData("Auth_Service.v1-x", true)]
    [InlineData("1001", true)]
    [InlineData("-a", false)]
    [InlineData("a_", false)]
    [InlineData("a b", false)]
    [InlineData("a;b", false)]
    [InlineData("a\n", false)]
    [InlineData("a/b", false)]
    public void Label_value(string value, bool expected) => Assert.Equal(expected, KubernetesNames.IsLabelValue(value));

    [Fact]
    public void Label_value_is_at_most_63_characters()
    {
        Assert.True(KubernetesNames.IsLabelValue(new string('a', 63)));
        Assert.False(KubernetesNames.IsLabelValue(new string('a', 64)));
    }
}
