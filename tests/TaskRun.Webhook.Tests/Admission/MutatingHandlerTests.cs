using TaskRun.Core.Defaulting;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using CsCheck;
using TaskRun.Core.Api;
using TaskRun.Core.Serialization;
using TaskRun.Webhook.Admission;
using TaskRun.Webhook.Tests.Support;
using Xunit;

namespace TaskRun.Webhook.Tests.Admission;

public sealed class MutatingHandlerTests
{
    private readonly MutatingHandler handler = new();

    [Fact]
    public void Golden_create_from_v1_gets_a_patch_that_the_oracle_applies_to_the_raw_object()
    {
        var request = Reviews.AdmissionFixture("mutate-create-from-v1.json");

        var outcome = handler.Admit(request);

        var response = outcome.Response;
        Assert.Equal("9da03626-76a0-48c7-9790-df78c65f588c", response.Uid);
        Assert.True(response.Allowed);
        Assert.Equal("JSONPatch", response.PatchType);
        Assert.Equal(AdmissionOutcome.Patched, outcome.Result);
        Assert.Equal(
            """[{"op":"add","path":"/metadata/finalizers","value":["taskrun.orchestrator.io/cleanup"]},{"op":"add","path":"/metadata/labels/priority","value":"medium"},{"op":"add","path":"/spec/priority","value":"medium"},{"op":"add","path":"/spec/retry","value":{"attempt":1}}]""",
            Encoding.UTF8.GetString(response.Patch!));
        // The request came as v1 (requestKind), so the warning names the v1 field.
        Assert.Equal(["spec.markdownFiles[0].fileType: not set; inferred \"task\" from the file name \"task.md\""], response.Warnings);
        AssertPatchDefaultsTheRawObject(request.Object!.Value, response.Patch!);
    }

    [Fact]
    public void Golden_dry_run_create_without_labels_adds_the_whole_labels_map()
    {
        var request = Reviews.AdmissionFixture("mutate-create-dry-run-v2.json");
        Assert.True(request.DryRun);

        var response = handler.Admit(request).Response;

        var operations = JsonNode.Parse(response.Patch!)!.AsArray();
        var labels = Assert.Single(operations, o => (string?)o!["path"] == "/metadata/labels")!;
        Assert.Equal("add", (string?)labels["op"]);
        Assert.Equal("""{"task-id":"7","priority":"medium"}""", labels["value"]!.ToJsonString());
        AssertPatchDefaultsTheRawObject(request.Object!.Value, response.Patch!);
    }

    [Fact]
    public void Golden_update_defaults_the_new_object_and_keeps_other_labels()
    {
        var request = Reviews.AdmissionFixture("mutate-update-patch.json");

        var response = handler.Admit(request).Response;

        Assert.Equal("62be5cac-71d1-48df-ba53-a07e17ed8ba0", response.Uid);
        var patched = AssertPatchDefaultsTheRawObject(request.Object!.Value, response.Patch!, create: false);
        Assert.Equal("yes", (string?)patched["metadata"]!["labels"]!["defaulted"]);
        Assert.Equal("1002", (string?)patched["metadata"]!["labels"]!["task-id"]);
    }

    [Fact]
    public void A_defaulted_object_gets_no_patch_so_reapplies_change_nothing()
    {
        var raw = Reviews.MinimalTaskRun();
        var first = handler.Admit(Reviews.TaskRunRequest("CREATE", raw)).Response;
        var defaulted = PatchOracle.Apply(raw, first.Patch!);

        var second = handler.Admit(Reviews.TaskRunRequest("UPDATE", defaulted, defaulted));

        Assert.True(second.Response.Allowed);
        Assert.Null(second.Response.Patch);
        Assert.Null(second.Response.PatchType);
        Assert.Equal(AdmissionOutcome.Allowed, second.Result);
    }

    [Fact]
    public void An_inferred_file_type_is_reported_but_not_written_into_the_atomic_files_list()
    {
        var taskRun = Reviews.MinimalTaskRun();

        var response = handler.Admit(Reviews.TaskRunRequest("CREATE", taskRun)).Response;

        Assert.DoesNotContain("/spec/files", Encoding.UTF8.GetString(response.Patch!), StringComparison.Ordinal);
        Assert.Equal(["spec.files[0].type: not set; inferred \"task\" from the file name \"task.md\""], response.Warnings);
        var patched = PatchOracle.Apply(taskRun, response.Patch!);
        Assert.True(JsonNode.DeepEquals(taskRun["spec"]!["files"], patched["spec"]!["files"]));
        Assert.Equal("context", (string?)patched["spec"]!["files"]![1]!["type"]);
    }

    [Fact]
    public void The_seed_example_is_already_complete_and_gets_only_the_finalizer()
    {
        var taskRun = Reviews.MinimalTaskRun();
        taskRun["metadata"]!["labels"] = new JsonObject { ["task-id"] = "1001", ["service"] = "auth-service", ["priority"] = "high" };
        taskRun["spec"]!["priority"] = "high";
        taskRun["spec"]!["retry"] = new JsonObject { ["attempt"] = 1 };
        taskRun["spec"]!["files"]![0]!["type"] = "task";

        var response = handler.Admit(Reviews.TaskRunRequest("CREATE", taskRun)).Response;

        Assert.Equal("""[{"op":"add","path":"/metadata/finalizers","value":["taskrun.orchestrator.io/cleanup"]}]""", Encoding.UTF8.GetString(response.Patch!));
        Assert.Null(response.Warnings);
    }

    [Fact]
    public void Create_adds_the_controllers_finalizer_after_any_others()
    {
        var taskRun = Reviews.MinimalTaskRun();
        taskRun["metadata"]!["finalizers"] = new JsonArray("example.com/keep");

        var response = handler.Admit(Reviews.TaskRunRequest("CREATE", taskRun)).Response;

        var patched = PatchOracle.Apply(taskRun, response.Patch!);
        Assert.Equal("""["example.com/keep","taskrun.orchestrator.io/cleanup"]""", patched["metadata"]!["finalizers"]!.ToJsonString());
        Assert.Contains("""{"op":"add","path":"/metadata/finalizers/1","value":"taskrun.orchestrator.io/cleanup"}""", Encoding.UTF8.GetString(response.Patch!), StringComparison.Ordinal);
    }

    [Fact]
    public void Create_with_the_finalizer_already_there_does_not_add_it_twice()
    {
        var taskRun = Reviews.MinimalTaskRun();
        taskRun["metadata"]!["finalizers"] = new JsonArray(TaskRunApi.Finalizer);

        var response = handler.Admit(Reviews.TaskRunRequest("CREATE", taskRun)).Response;

        Assert.DoesNotContain("finalizers", Encoding.UTF8.GetString(response.Patch!), StringComparison.Ordinal);
    }

    [Fact]
    public void An_update_without_the_finalizer_does_not_get_it_back()
    {
        // Removing it is the controller's last step before deletion completes, or a user's deliberate edit.
        var raw = Reviews.MinimalTaskRun();
        var defaulted = PatchOracle.Apply(raw, handler.Admit(Reviews.TaskRunRequest("CREATE", raw)).Response.Patch!);
        defaulted["metadata"]!.AsObject().Remove("finalizers");

        var response = handler.Admit(Reviews.TaskRunRequest("UPDATE", defaulted, defaulted)).Response;

        Assert.Null(response.Patch);
    }

    [Fact]
    public void Labels_with_slashes_and_unknown_fields_survive_the_patch()
    {
        var taskRun = Reviews.MinimalTaskRun();
        taskRun["metadata"]!["labels"] = new JsonObject { ["orchestrator.io/team"] = "a~b" };
        taskRun["metadata"]!["managedFields"] = JsonNode.Parse("""[{"manager":"kubectl","fieldsType":"FieldsV1","fieldsV1":{"f:spec":{}}}]""");

        var response = handler.Admit(Reviews.TaskRunRequest("CREATE", taskRun)).Response;

        var patched = PatchOracle.Apply(taskRun, response.Patch!);
        Assert.Equal("a~b", (string?)patched["metadata"]!["labels"]!["orchestrator.io/team"]);
        Assert.Equal(taskRun["metadata"]!["managedFields"]!.ToJsonString(), patched["metadata"]!["managedFields"]!.ToJsonString());
    }

    [Theory]
    [InlineData("apps", "v1", "Deployment")]
    [InlineData("orchestrator.io", "v1", "TaskRun")]
    public void Another_kind_or_version_is_denied_with_400(string group, string version, string kind)
    {
        var request = Reviews.TaskRunRequest("CREATE", Reviews.MinimalTaskRun());
        request.Kind = new GroupVersionKind(group, version, kind);

        var outcome = handler.Admit(request);

        Assert.False(outcome.Response.Allowed);
        Assert.Equal(400, outcome.Response.Status!.Code);
        Assert.Contains("orchestrator.io/v2 TaskRun", outcome.Response.Status.Message, StringComparison.Ordinal);
        Assert.Equal(request.Uid, outcome.Response.Uid);
        Assert.Equal(AdmissionOutcome.Rejected, outcome.Result);
    }

    [Fact]
    public void Delete_is_allowed_and_an_unknown_operation_is_denied()
    {
        Assert.True(handler.Admit(Reviews.TaskRunRequest("DELETE", null, Reviews.MinimalTaskRun())).Response.Allowed);
        var connect = handler.Admit(Reviews.TaskRunRequest("CONNECT", Reviews.MinimalTaskRun())).Response;
        Assert.False(connect.Allowed);
        Assert.Equal(400, connect.Status!.Code);
    }

    [Theory]
    [InlineData("""{"taskId":"abc","serviceName":"s","files":[]}""", "spec.taskId")]
    [InlineData("""{"taskId":1,"serviceName":"s","files":{"name":"x"}}""", "spec.files")]
    [InlineData("""{"taskId":1,"serviceName":"s","files":[{"name":5,"content":"x"}]}""", "spec.files[0].name")]
    public void An_object_with_a_wrong_type_is_denied_naming_the_field(string spec, string field)
    {
        var taskRun = Reviews.MinimalTaskRun();
        taskRun["spec"] = JsonNode.Parse(spec);

        var response = handler.Admit(Reviews.TaskRunRequest("CREATE", taskRun)).Response;

        Assert.False(response.Allowed);
        Assert.Equal(422, response.Status!.Code);
        Assert.Equal("Invalid", response.Status.Reason);
        Assert.Equal(field, Assert.Single(response.Status.Details!.Causes!).Field);
        Assert.Contains(field, response.Status.Message, StringComparison.Ordinal);
    }

    // JSON null for metadata or spec used to reach the defaulter and fail there (an HTTP 500).
    [Theory]
    [InlineData("metadata")]
    [InlineData("spec")]
    public void A_null_metadata_or_spec_is_denied_naming_the_field(string field)
    {
        foreach (var operation in new[] { "CREATE", "UPDATE" })
        {
            var taskRun = Reviews.MinimalTaskRun();
            taskRun[field] = null;

            var response = handler.Admit(Reviews.TaskRunRequest(operation, taskRun, Reviews.MinimalTaskRun())).Response;

            Assert.False(response.Allowed);
            Assert.Equal(422, response.Status!.Code);
            Assert.Equal(field, Assert.Single(response.Status.Details!.Causes!).Field);
            Assert.Contains("must be an object", response.Status.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void A_missing_object_is_denied_with_400()
    {
        var response = handler.Admit(Reviews.TaskRunRequest("CREATE", null)).Response;
        Assert.False(response.Allowed);
        Assert.Equal(400, response.Status!.Code);
    }

    /// <summary>
    /// For any raw TaskRun (labels missing, null or partial; spec parts missing; unknown members), the patch
    /// applies cleanly to the raw object, the result reads as exactly the defaulted TaskRun, and defaulting the
    /// result again gives no patch.
    /// </summary>
    [Fact]
    public void Property_the_patch_applies_to_any_raw_TaskRun_and_is_idempotent()
    {
        RawTaskRuns.Sample(raw =>
        {
            var request = Reviews.TaskRunRequest("CREATE", raw);
            var response = handler.Admit(request).Response;
            Assert.True(response.Allowed, response.Status?.Message);
            var patched = response.Patch is null ? raw : PatchOracle.Apply(raw, response.Patch);

            var expected = KubeJson.Deserialize<V2TaskRun>(raw.ToJsonString())!;
            TaskRunDefaulter.Default(expected);
            WithFinalizer(expected);
            Assert.Equal(KubeJson.Serialize(expected), KubeJson.Serialize(KubeJson.Deserialize<V2TaskRun>(patched.ToJsonString())));
            Assert.Equal(raw["unknownTopLevel"]?.ToJsonString(), patched["unknownTopLevel"]?.ToJsonString());

            var again = handler.Admit(Reviews.TaskRunRequest("UPDATE", patched, patched)).Response;
            Assert.Null(again.Patch);
        }, iter: 500, print: raw => raw.ToJsonString());
    }

    /// <summary>The patched object reads as the defaulted one, with the controller's finalizer when <paramref name="create"/>.</summary>
    private static JsonObject AssertPatchDefaultsTheRawObject(JsonElement raw, byte[] patch, bool create = true)
    {
        var rawNode = JsonNode.Parse(raw.GetRawText())!.AsObject();
        var patched = PatchOracle.Apply(rawNode, patch).AsObject();
        var expected = KubeJson.Deserialize<V2TaskRun>(raw)!;
        TaskRunDefaulter.Default(expected);
        if (create)
        {
            WithFinalizer(expected);
        }

        Assert.Equal(KubeJson.Serialize(expected), KubeJson.Serialize(KubeJson.Deserialize<V2TaskRun>(patched.ToJsonString())));
        return patched;
    }

    /// <summary>What create adds after defaulting: the controller's finalizer, when absent.</summary>
    private static void WithFinalizer(V2TaskRun taskRun)
    {
        if (taskRun.Metadata.Finalizers?.Contains(TaskRunApi.Finalizer) != true)
        {
            taskRun.Metadata.Finalizers ??= [];
            taskRun.Metadata.Finalizers.Add(TaskRunApi.Finalizer);
        }
    }

    /// <summary>Raw TaskRuns the way clients send them: any optional part present, absent or null.</summary>
    private static readonly Gen<JsonObject> RawTaskRuns =
        Gen.Select(
            Gen.Int[0, 3], Gen.Int[0, 3], Gen.Int[0, 2], Gen.Int[0, 3],
            Gen.Int[0, 4].Select(n => n),
            Gen.Bool, Gen.Bool)
        .Select(t =>
        {
            var (labelsShape, priorityShape, retryShape, serviceShape, fileCount, unknownMember, specMissing) = t;
            var metadata = new JsonObject { ["name"] = "x", ["namespace"] = "ns", ["creationTimestamp"] = null };
            switch (labelsShape)
            {
                case 1:
                    metadata["labels"] = null;
                    break;
                case 2:
                    metadata["labels"] = new JsonObject { ["team"] = "a", ["orchestrator.io/x"] = "y" };
                    break;
                case 3:
                    metadata["labels"] = new JsonObject { ["task-id"] = "999", ["priority"] = "low" };
                    break;
            }

            var taskRun = new JsonObject { ["apiVersion"] = "orchestrator.io/v2", ["kind"] = "TaskRun", ["metadata"] = metadata };
            if (unknownMember)
            {
                taskRun["unknownTopLevel"] = new JsonObject { ["kept"] = true };
            }

            if (specMissing && fileCount == 0)
            {
                return taskRun;
            }

            var spec = new JsonObject { ["taskId"] = 1001 };
            spec["priority"] = priorityShape switch { 0 => "high", 1 => null, 2 => "medium", _ => null };
            if (priorityShape == 3)
            {
                spec.Remove("priority");
            }

            switch (retryShape)
            {
                case 1:
                    spec["retry"] = new JsonObject { ["maxRetries"] = 2 };
                    break;
                case 2:
                    spec["retry"] = new JsonObject { ["attempt"] = 3 };
                    break;
            }

            switch (serviceShape)
            {
                case 0:
                    spec["serviceName"] = "auth-service";
                    break;
                case 1:
                    spec["serviceName"] = "Not A Label";
                    break;
                case 2:
                    spec["serviceName"] = null;
                    break;
            }

            var files = new JsonArray();
            string[] names = ["task.md", "design-spec.md", "prompt.md", "acceptance-criteria.md", "other.md"];
            for (var i = 0; i < fileCount; i++)
            {
                var file = new JsonObject { ["name"] = names[i], ["content"] = $"# {i}" };
                if (i % 2 == 1)
                {
                    file["type"] = "context";
                }

                files.Add(file);
            }

            spec["files"] = files;
            taskRun["spec"] = spec;
            return taskRun;
        });
}
