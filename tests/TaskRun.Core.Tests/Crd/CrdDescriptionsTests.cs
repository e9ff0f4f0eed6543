using TaskRun.Core.Api;
using Xunit;

namespace TaskRun.Core.Tests.Crd;

/// <summary>Every field is documented, so <c>kubectl explain taskruns.spec.files</c> tells users what to write.</summary>
public sealed class CrdDescriptionsTests
{
    private static readonly CrdFile Crd = CrdFile.Load();

    [Theory]
    [InlineData(TaskRunApi.V1)]
    [InlineData(TaskRunApi.V2)]
    public void Every_field_has_a_description(string version)
    {
        var missing = SchemaDescriptions.Missing(Crd.Schema(version));

        Assert.True(missing.Count == 0, $"CRD {version} fields without a description: {string.Join(", ", missing)}");
    }

    [Theory]
    [InlineData(TaskRunApi.V2, "spec.files", "1 MiB")]
    [InlineData(TaskRunApi.V2, "spec.priority", "medium")]
    [InlineData(TaskRunApi.V2, "spec.retry.maxRetries", "10")]
    [InlineData(TaskRunApi.V2, "spec.timeoutSeconds", "604800")]
    [InlineData(TaskRunApi.V2, "spec.serviceName", "Immutable")]
    [InlineData(TaskRunApi.V1, "spec.markdownFiles", "spec.files in v2")]
    [InlineData(TaskRunApi.V1, "spec.retryAttempt", "retry.attempt in v2")]
    public void Descriptions_state_limits_defaults_and_version_mapping(string version, string path, string expected)
    {
        var description = (string?)SchemaNodes.At(Crd.Schema(version), path)["description"];

        Assert.Contains(expected, description, StringComparison.Ordinal);
    }
}
