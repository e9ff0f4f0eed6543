using System.Text.Json.Nodes;
using TaskRun.Core.Api;
using TaskRun.Core.Conversion;
using TaskRun.Core.Serialization;
using TaskRun.Testing;
using Xunit;

namespace TaskRun.Core.Tests.Conversion;

/// <summary>
/// ConversionReview requests captured from a real kube-apiserver 1.20 (tests/TaskRun.Testing/Fixtures): every
/// object converts to the desired version, and its metadata (managedFields, creationTimestamp: null, the
/// last-applied annotation, labels) passes through unchanged.
/// </summary>
public sealed class ConversionFixtureTests
{
    public static TheoryData<string> Fixtures => new() { "conversion-v1-to-v2.json", "conversion-v2-to-v1.json" };

    [Theory]
    [MemberData(nameof(Fixtures))]
    public void Each_object_converts_to_the_desired_version_with_metadata_unchanged(string fixture)
    {
        var (desired, objects) = Load(fixture);
        Assert.NotEmpty(objects);

        foreach (var obj in objects)
        {
            var converted = TaskRunConverter.Convert(obj, desired);

            Assert.Equal(desired, (string?)converted["apiVersion"]);
            Assert.Equal(TaskRunApi.Kind, (string?)converted["kind"]);
            AssertJson(obj["metadata"]!, converted["metadata"]!);
            Assert.True(converted["metadata"]!.AsObject().ContainsKey("creationTimestamp"));
            Assert.NotNull(converted["metadata"]!["managedFields"]);
        }
    }

    [Fact]
    public void The_v1_fixture_becomes_the_v2_shape()
    {
        var (desired, objects) = Load("conversion-v1-to-v2.json");

        var converted = TaskRunConverter.Convert(Assert.Single(objects), desired);

        AssertJson(JsonNode.Parse("""{ "files": [ { "content": "# Task", "name": "task.md" } ], "taskId": 1001 }""")!, converted["spec"]!);
        var typed = KubeJson.Deserialize<V2TaskRun>(converted)!;
        Assert.Equal("cap1", typed.Metadata.Name);
        Assert.Equal("task.md", Assert.Single(typed.Spec.Files!).Name);
    }

    [Fact]
    public void The_v2_fixture_becomes_the_v1_shape()
    {
        var (desired, objects) = Load("conversion-v2-to-v1.json");

        var converted = TaskRunConverter.Convert(Assert.Single(objects), desired);

        AssertJson(JsonNode.Parse("""{ "markdownFiles": [ { "content": "# Task", "filename": "task.md" } ], "taskId": 1001 }""")!, converted["spec"]!);
        Assert.False(converted["metadata"]!["annotations"]!.AsObject().ContainsKey(TaskRunApi.V2SpecAnnotation));
        var typed = KubeJson.Deserialize<V1TaskRun>(converted)!;
        Assert.Equal(1001, typed.Spec.TaskId);
    }

    [Theory]
    [MemberData(nameof(Fixtures))]
    public void Each_object_converts_back_exactly(string fixture)
    {
        var (desired, objects) = Load(fixture);
        var source = desired == TaskRunApi.V1ApiVersion ? TaskRunApi.V2ApiVersion : TaskRunApi.V1ApiVersion;

        foreach (var obj in objects)
        {
            AssertJson(obj, TaskRunConverter.Convert(TaskRunConverter.Convert(obj, desired), source));
        }
    }

    [Fact]
    public void V2_only_fields_added_to_the_captured_object_change_only_the_v2_spec_annotation()
    {
        var (desired, objects) = Load("conversion-v2-to-v1.json");
        var obj = Assert.Single(objects);
        obj["spec"]!["timeoutSeconds"] = 600;

        var converted = TaskRunConverter.Convert(obj, desired);

        AssertJson(obj, TaskRunConverter.Convert(converted, TaskRunApi.V2ApiVersion));
        var annotations = converted["metadata"]!["annotations"]!.AsObject();
        Assert.Equal("""{"timeoutSeconds":600}""", (string?)annotations[TaskRunApi.V2SpecAnnotation]);
        annotations.Remove(TaskRunApi.V2SpecAnnotation);
        AssertJson(obj["metadata"]!, converted["metadata"]!);
    }

    private static (string Desired, List<JsonObject> Objects) Load(string fixture)
    {
        var review = JsonNode.Parse(ReviewFixtures.Text(fixture))!;
        Assert.Equal("ConversionReview", (string?)review["kind"]);
        var request = review["request"]!;
        return ((string)request["desiredAPIVersion"]!, request["objects"]!.AsArray().Select(o => o!.AsObject()).ToList());
    }

    private static void AssertJson(JsonNode expected, JsonNode actual)
    {
        if (!JsonNode.DeepEquals(expected, actual))
        {
            Assert.Fail($"JSON differs.\nexpected: {expected.ToJsonString()}\nactual:   {actual.ToJsonString()}");
        }
    }
}
