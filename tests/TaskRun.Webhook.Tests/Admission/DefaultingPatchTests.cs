using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using CsCheck;
using TaskRun.Core.Api;
using TaskRun.Core.Serialization;
using TaskRun.Webhook.Admission;
using TaskRun.Webhook.Patching;
using Xunit;

namespace TaskRun.Webhook.Tests.Admission;

/// <summary>
/// The patch written straight from the changed values (<see cref="DefaultingPatch"/>) is byte for byte the patch
/// that diffing the object written out before and after gives (<see cref="MutatingHandler.DefaultAndDiff"/>),
/// for creates and updates of raw objects in every shape the direct path takes.
/// </summary>
public sealed class DefaultingPatchTests
{
    [Fact]
    public void Property_the_written_patch_equals_the_diffed_patch()
    {
        Gen.Select(RawTaskRuns, RawTaskRuns, Gen.Bool).Sample((raw, oldRaw, create) =>
        {
            var element = JsonSerializer.SerializeToElement(raw);
            var oldElement = JsonSerializer.SerializeToElement(oldRaw);
            var old = create ? null : KubeJson.Deserialize<V2TaskRun>(oldElement);

            var (written, writtenWarnings) = MutatingHandler.DefaultAndPatch(new AdmissionRequest { Object = element }, Read(element), old, create);
            var (operations, diffedWarnings) = MutatingHandler.DefaultAndDiff(element, Read(element), old, create);

            var diffed = operations.Count == 0 ? null : Encoding.UTF8.GetString(JsonPatchDiff.ToUtf8Json(operations));
            Assert.Equal(diffed, written is null ? null : Encoding.UTF8.GetString(written));
            Assert.Equal(diffedWarnings, writtenWarnings);
        }, iter: 2000, print: t => $"{t.Item1.ToJsonString()} old {t.Item2.ToJsonString()} create {t.Item3}");
    }

    [Fact]
    public void A_raw_object_without_metadata_or_spec_objects_is_left_to_the_diff()
    {
        var noSpec = JsonSerializer.SerializeToElement(new JsonObject { ["metadata"] = new JsonObject { ["name"] = "x" } });
        var nullMetadata = JsonSerializer.SerializeToElement(new JsonObject { ["metadata"] = null, ["spec"] = new JsonObject() });

        Assert.Null(DefaultingPatch.Capture(noSpec, Read(noSpec)));
        Assert.Null(DefaultingPatch.Capture(nullMetadata, Read(nullMetadata)));
    }

    private static V2TaskRun Read(JsonElement element) => KubeJson.Deserialize<V2TaskRun>(element)!;

    /// <summary>Raw TaskRuns with metadata and spec objects, every defaulted part absent, null, empty, partial or complete.</summary>
    private static readonly Gen<JsonObject> RawTaskRuns =
        Gen.Select(Gen.Int[0, 5], Gen.Int[0, 4], Gen.Int[0, 3], Gen.Int[0, 4], Gen.Int[0, 3], Gen.Int[0, 3])
        .Select(t =>
        {
            var (labelsShape, finalizersShape, priorityShape, retryShape, serviceShape, fileCount) = t;
            var metadata = new JsonObject { ["name"] = "x", ["namespace"] = "ns" };
            JsonNode? labels = labelsShape switch
            {
                1 => null,
                2 => new JsonObject(),
                3 => new JsonObject { ["team"] = "a", ["orchestrator.io/x"] = "y~z" },
                4 => new JsonObject { ["task-id"] = "999", ["priority"] = "low" },
                _ => new JsonObject { ["priority"] = "medium", ["task-id"] = "1001", ["service"] = "auth-service" },
            };
            if (labelsShape != 0)
            {
                metadata["labels"] = labels;
            }

            JsonNode? finalizers = finalizersShape switch
            {
                1 => null,
                2 => new JsonArray(),
                3 => new JsonArray("example.com/other"),
                _ => new JsonArray(TaskRunApi.Finalizer),
            };
            if (finalizersShape != 0)
            {
                metadata["finalizers"] = finalizers;
            }

            var spec = new JsonObject { ["taskId"] = 1001 };
            switch (priorityShape)
            {
                case 1:
                    spec["priority"] = null;
                    break;
                case 2:
                    spec["priority"] = "high";
                    break;
                case 3:
                    spec["priority"] = "medium";
                    break;
            }

            switch (retryShape)
            {
                case 1:
                    spec["retry"] = null;
                    break;
                case 2:
                    spec["retry"] = new JsonObject();
                    break;
                case 3:
                    spec["retry"] = new JsonObject { ["maxRetries"] = 2 };
                    break;
                case 4:
                    spec["retry"] = new JsonObject { ["attempt"] = 3 };
                    break;
            }

            spec["serviceName"] = serviceShape switch { 0 => "auth-service", 1 => "Not A Label", 2 => null, _ => "billing" };
            var files = new JsonArray();
            string[] names = ["task.md", "design-spec.md", "notes.md"];
            for (var i = 0; i < fileCount; i++)
            {
                files.Add(new JsonObject { ["name"] = names[i], ["content"] = $"# {i}", ["type"] = i == 1 ? "context" : null });
            }

            spec["files"] = files;
            return new JsonObject { ["apiVersion"] = "orchestrator.io/v2", ["kind"] = "TaskRun", ["metadata"] = metadata, ["spec"] = spec };
        });
}
