using System.Text.Json.Nodes;
using TaskRun.Core.Api;
using TaskRun.Core.Conversion;
using TaskRun.Core.Defaulting;
using TaskRun.Core.Serialization;
using TaskRun.Core.Validation;
using Xunit;

namespace TaskRun.Core.Tests.Samples;

/// <summary>Both samples pass admission as the webhook runs it: converted to v2, defaulted, validated.</summary>
public sealed class SampleValidationTests
{
    public static TheoryData<string> Samples => [SampleFiles.V1, SampleFiles.V2];

    [Theory]
    [MemberData(nameof(Samples))]
    public void Sample_passes_defaulting_and_create_validation(string fileName)
    {
        var taskRun = AsV2(fileName);
        TaskRunDefaulter.Default(taskRun);

        var result = TaskRunValidator.ValidateCreate(taskRun, ValidationPolicy.Default);

        Assert.True(result.IsValid, result.Summary());
        Assert.Empty(result.Warnings);
    }

    /// <summary>The mutating webhook changes nothing, so applying a sample twice is a no-op (no GitOps drift).</summary>
    [Theory]
    [MemberData(nameof(Samples))]
    public void Sample_is_already_in_defaulted_form(string fileName)
    {
        var taskRun = AsV2(fileName);
        var before = KubeJson.ToNode(taskRun);

        var warnings = TaskRunDefaulter.Default(taskRun);

        Assert.Empty(warnings);
        Assert.True(JsonNode.DeepEquals(before, KubeJson.ToNode(taskRun)), $"defaulting changed the sample:\n{KubeJson.Serialize(taskRun)}");
    }

    private static V2TaskRun AsV2(string fileName)
    {
        var json = TaskRunConverter.Convert(SampleFiles.Load(fileName), TaskRunApi.V2ApiVersion);
        return KubeJson.Deserialize<V2TaskRun>(json) ?? throw new InvalidDataException($"{fileName} is empty");
    }
}
