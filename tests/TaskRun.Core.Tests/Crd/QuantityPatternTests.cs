using System.Text.RegularExpressions;
using TaskRun.Core.Api;
using TaskRun.Core.Validation;
using Xunit;

namespace TaskRun.Core.Tests.Crd;

/// <summary>
/// The CRD's quantity pattern (agent resources) and the webhook's quantity check accept the same strings,
/// so the API server never rejects what the validator allowed, nor the reverse with a worse message.
/// </summary>
public sealed class QuantityPatternTests
{
    private static readonly Regex Pattern = new((string)SchemaNodes.At(CrdFile.Load().Schema(TaskRunApi.V2), "spec.agent.resources.limits{}")["pattern"]!);

    [Theory]
    [InlineData("1", true)]
    [InlineData("500m", true)]
    [InlineData("2.5", true)]
    [InlineData(".5", true)]
    [InlineData("4Gi", true)]
    [InlineData("512Mi", true)]
    [InlineData("1k", true)]
    [InlineData("1e3", true)]
    [InlineData("1.5E-2", true)]
    [InlineData("+1", true)]
    [InlineData("4GB", false)]
    [InlineData("Gi", false)]
    [InlineData("1.2.3", false)]
    [InlineData("one", false)]
    [InlineData("", false)]
    public void Schema_pattern_and_validator_agree(string quantity, bool valid)
    {
        Assert.Equal(valid, Pattern.IsMatch(quantity));
        Assert.Equal(valid, ResourceQuantities.IsValid(quantity));
    }

    /// <summary>
    /// Kubernetes rejects whitespace in a quantity; KubernetesClient's ResourceQuantity trims and
    /// canonicalizes it ("4 Gi" becomes "4Gi"), so only the schema can refuse it, as the API server would.
    /// </summary>
    [Theory]
    [InlineData("4 Gi")]
    [InlineData(" 1")]
    [InlineData("500m ")]
    public void Schema_pattern_rejects_whitespace_like_Kubernetes(string quantity) =>
        Assert.DoesNotMatch(Pattern, quantity);
}
