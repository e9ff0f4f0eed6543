using System.Text.Json.Nodes;
using CsCheck;
using TaskRun.Core.Api;
using TaskRun.Core.Conversion;
using TaskRun.Core.Tests.Support;
using Xunit;

namespace TaskRun.Core.Tests.Conversion;

/// <summary>
/// Conversion is lossless in both directions: for random objects, v2→v1→v2 and v1→v2→v1 give back
/// exactly the same JSON. The one documented normalization, an empty annotations map treated like an absent one
/// (Kubernetes drops empty maps), is why the generators make annotations either absent or non-empty.
/// </summary>
public sealed class ConversionRoundTripProperties
{
    private const int Iterations = 2_000;

    /// <summary>v1 objects as they exist: written by a v1 client, or read as v1 from a stored v2 object.</summary>
    private static readonly Gen<JsonObject> V1 = Gen.Frequency(
        (1, TaskRunJsonGen.PlainV1),
        (2, TaskRunJsonGen.V2.Select(v2 => TaskRunConverter.Convert(v2, TaskRunApi.V1ApiVersion))));

    [Fact]
    public void V2_to_v1_to_v2_is_exact() =>
        TaskRunJsonGen.V2.Sample(original =>
        {
            var v1 = TaskRunConverter.Convert(original, TaskRunApi.V1ApiVersion);
            var back = TaskRunConverter.Convert(v1, TaskRunApi.V2ApiVersion);

            AssertJsonEqual(original, back);
        }, iter: Iterations, print: Print);

    [Fact]
    public void V1_to_v2_to_v1_is_exact() =>
        V1.Sample(original =>
        {
            var v2 = TaskRunConverter.Convert(original, TaskRunApi.V2ApiVersion);
            var back = TaskRunConverter.Convert(v2, TaskRunApi.V1ApiVersion);

            AssertJsonEqual(original, back);
        }, iter: Iterations, print: Print);

    [Fact]
    public void Converted_objects_have_the_shape_of_their_version() =>
        TaskRunJsonGen.V2.Sample(original =>
        {
            var v1 = TaskRunConverter.Convert(original, TaskRunApi.V1ApiVersion);
            Assert.Equal(TaskRunApi.V1ApiVersion, (string?)v1["apiVersion"]);
            if (v1["spec"] is JsonObject v1Spec)
            {
                Assert.All(v1Spec, p => Assert.Contains(p.Key, new[] { "taskId", "serviceName", "priority", "markdownFiles", "retryAttempt" }));
            }

            var v2 = TaskRunConverter.Convert(v1, TaskRunApi.V2ApiVersion);
            Assert.Equal(TaskRunApi.V2ApiVersion, (string?)v2["apiVersion"]);
            Assert.False(v2["metadata"]?["annotations"]?.AsObject().ContainsKey(TaskRunApi.V2SpecAnnotation) ?? false);
        }, iter: Iterations, print: Print);

    [Fact]
    public void Converting_to_the_same_version_returns_an_equal_copy() =>
        TaskRunJsonGen.V2.Sample(original =>
        {
            var copy = TaskRunConverter.Convert(original, TaskRunApi.V2ApiVersion);

            Assert.NotSame(original, copy);
            AssertJsonEqual(original, copy);
        }, iter: 200, print: Print);

    [Fact]
    public void Conversion_never_modifies_its_input() =>
        V1.Sample(original =>
        {
            var before = original.DeepClone();
            _ = TaskRunConverter.Convert(original, TaskRunApi.V2ApiVersion);

            AssertJsonEqual(before, original);
        }, iter: 500, print: Print);

    private static void AssertJsonEqual(JsonNode expected, JsonNode actual)
    {
        if (!JsonNode.DeepEquals(expected, actual))
        {
            Assert.Fail($"JSON differs.\nexpected: {expected.ToJsonString()}\nactual:   {actual.ToJsonString()}");
        }
    }

    private static string Print(JsonObject obj) => obj.ToJsonString();
}
