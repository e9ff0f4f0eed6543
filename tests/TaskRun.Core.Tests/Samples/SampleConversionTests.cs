using System.Text.Json.Nodes;
using TaskRun.Core.Api;
using TaskRun.Core.Conversion;
using Xunit;

namespace TaskRun.Core.Tests.Samples;

/// <summary>The v1 and v2 samples are the same TaskRun: the converter turns each into the other exactly.</summary>
public sealed class SampleConversionTests
{
    [Fact]
    public void V1_sample_converts_to_the_v2_sample()
    {
        var converted = TaskRunConverter.Convert(SampleFiles.Load(SampleFiles.V1), TaskRunApi.V2ApiVersion);

        AssertSameJson(SampleFiles.Load(SampleFiles.V2), converted);
    }

    [Fact]
    public void V2_sample_converts_to_the_v1_sample()
    {
        var converted = TaskRunConverter.Convert(SampleFiles.Load(SampleFiles.V2), TaskRunApi.V1ApiVersion);

        AssertSameJson(SampleFiles.Load(SampleFiles.V1), converted);
    }

    [Fact]
    public void V2_sample_has_no_v2_only_fields_so_v1_needs_no_annotation()
    {
        var v1 = TaskRunConverter.Convert(SampleFiles.Load(SampleFiles.V2), TaskRunApi.V1ApiVersion);

        Assert.Null(v1["metadata"]!["annotations"]);
    }

    private static void AssertSameJson(JsonObject expected, JsonObject actual) =>
        Assert.True(JsonNode.DeepEquals(expected, actual), $"expected\n{expected.ToJsonString()}\nbut got\n{actual.ToJsonString()}");
}
