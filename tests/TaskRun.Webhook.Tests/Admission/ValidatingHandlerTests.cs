using System.Text.Json.Nodes;
using TaskRun.Core.Config;
using TaskRun.Webhook.Admission;
using TaskRun.Webhook.Tests.Support;
using Xunit;

namespace TaskRun.Webhook.Tests.Admission;

public sealed class ValidatingHandlerTests
{
    private readonly FixedConfig config = new();

    private ValidatingHandler Handler => new(config);

    [Fact]
    public void Golden_create_from_v1_without_serviceName_is_denied_with_a_422_cause()
    {
        var request = Reviews.AdmissionFixture("validate-create-from-v1.json");

        var outcome = Handler.Admit(request);

        var response = outcome.Response;
        Assert.Equal("21ca3864-2a9b-440e-85f3-32b8c219f3f8", response.Uid);
        Assert.False(response.Allowed);
        Assert.Equal(AdmissionOutcome.Denied, outcome.Result);
        var status = response.Status!;
        Assert.Equal(422, status.Code);
        Assert.Equal("Invalid", status.Reason);
        Assert.Equal("Failure", status.State);
        Assert.Equal("TaskRun", status.Details!.Kind);
        Assert.Equal("orchestrator.io", status.Details.Group);
        Assert.Equal("cap1", status.Details.Name);
        var cause = Assert.Single(status.Details.Causes!);
        Assert.Equal("spec.serviceName", cause.Field);
        Assert.Equal("FieldValueRequired", cause.Reason);
        Assert.StartsWith("TaskRun.orchestrator.io \"cap1\" is invalid: spec.serviceName: ", status.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Golden_update_that_changes_taskId_is_denied_as_immutable()
    {
        var response = Handler.Admit(Reviews.AdmissionFixture("validate-update-patch.json")).Response;

        Assert.False(response.Allowed);
        var causes = response.Status!.Details!.Causes!;
        var immutable = Assert.Single(causes, c => c.Field == "spec.taskId");
        Assert.Equal("FieldValueForbidden", immutable.Reason);
        Assert.Contains("immutable", immutable.Message, StringComparison.Ordinal);
        Assert.Contains("1001", immutable.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_error_is_returned_at_once_one_cause_each()
    {
        var taskRun = Reviews.MinimalTaskRun();
        taskRun["spec"]!["files"] = new JsonArray(
            new JsonObject { ["name"] = "CLAUDE.md", ["content"] = "x" },
            new JsonObject { ["name"] = "a..b.md", ["content"] = "x" },
            new JsonObject { ["name"] = "a..b.md", ["content"] = "x" });
        taskRun["spec"]!["retry"] = new JsonObject { ["maxRetries"] = 11 };

        var response = Handler.Admit(Reviews.TaskRunRequest("CREATE", taskRun)).Response;

        Assert.Equal(
            ["spec.files[0].name", "spec.files[1].name", "spec.files[2].name", "spec.files[2].name", "spec.retry.maxRetries"],
            response.Status!.Details!.Causes!.Select(c => c.Field).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void A_valid_TaskRun_is_allowed_with_the_validators_warnings()
    {
        config.Current = ControllerConfig.Default with { Limits = new LimitsConfig { MaxFileBytes = 1000 } };
        var taskRun = Reviews.MinimalTaskRun();
        taskRun["spec"]!["files"]![0]!["content"] = new string('x', 950);

        var outcome = Handler.Admit(Reviews.TaskRunRequest("CREATE", taskRun));

        Assert.True(outcome.Response.Allowed);
        Assert.Equal(AdmissionOutcome.Allowed, outcome.Result);
        Assert.Contains(outcome.Response.Warnings!, w => w.Contains("close to the limit", StringComparison.Ordinal));
    }

    [Fact]
    public void The_file_limit_comes_from_the_live_config()
    {
        var taskRun = Reviews.MinimalTaskRun();
        taskRun["spec"]!["files"]![0]!["content"] = new string('x', 2000);
        Assert.True(Handler.Admit(Reviews.TaskRunRequest("CREATE", taskRun)).Response.Allowed);

        config.Current = ControllerConfig.Default with { Limits = new LimitsConfig { MaxFileBytes = 1000 } };
        var response = Handler.Admit(Reviews.TaskRunRequest("CREATE", taskRun)).Response;

        Assert.False(response.Allowed);
        var cause = Assert.Single(response.Status!.Details!.Causes!);
        Assert.Equal("spec.files[0].content", cause.Field);
        Assert.Contains("1,000 bytes (limits.maxFileBytes)", cause.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_file_is_measured_in_UTF8_bytes_of_its_unescaped_content(bool overTheLimit)
    {
        // 300 × "é€😀\n\"": 2 + 3 + 4 + 1 + 1 = 11 bytes each once unescaped, several times that as escaped JSON.
        var content = string.Concat(Enumerable.Repeat("é€😀\n\"", 300));
        config.Current = ControllerConfig.Default with { Limits = new LimitsConfig { MaxFileBytes = overTheLimit ? 3299 : 3300 } };
        var taskRun = Reviews.MinimalTaskRun();
        taskRun["spec"]!["files"]![0]!["content"] = content;

        var response = Handler.Admit(Reviews.TaskRunRequest("CREATE", taskRun)).Response;

        Assert.Equal(!overTheLimit, response.Allowed);
        if (overTheLimit)
        {
            var cause = Assert.Single(response.Status!.Details!.Causes!);
            Assert.Equal("spec.files[0].content", cause.Field);
            Assert.Contains("is 3,300 bytes in UTF-8", cause.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void A_file_without_content_is_denied_as_required()
    {
        var taskRun = Reviews.MinimalTaskRun();
        taskRun["spec"]!["files"]![0]!["content"] = null;

        var cause = Assert.Single(Handler.Admit(Reviews.TaskRunRequest("CREATE", taskRun)).Response.Status!.Details!.Causes!);

        Assert.Equal("spec.files[0].content", cause.Field);
        Assert.Equal("FieldValueRequired", cause.Reason);
    }

    [Fact]
    public void Agent_overrides_follow_the_live_config()
    {
        var taskRun = Reviews.MinimalTaskRun();
        taskRun["spec"]!["agent"] = new JsonObject { ["image"] = "ghcr.io/org/agent:2" };
        Assert.False(Handler.Admit(Reviews.TaskRunRequest("CREATE", taskRun)).Response.Allowed);
        config.Current = ControllerConfig.Default with { Agent = new AgentConfig { AllowOverrides = true, AllowedImages = ["ghcr.io/org/*"] } };
        Assert.True(Handler.Admit(Reviews.TaskRunRequest("CREATE", taskRun)).Response.Allowed);

        config.Current = ControllerConfig.Default with { Agent = new AgentConfig { AllowOverrides = false, AllowedImages = ["ghcr.io/org/*"] } };
        var response = Handler.Admit(Reviews.TaskRunRequest("CREATE", taskRun)).Response;

        Assert.False(response.Allowed);
        Assert.Equal("spec.agent", Assert.Single(response.Status!.Details!.Causes!).Field);
    }

    [Fact]
    public void While_the_config_fails_closed_creates_and_spec_changes_are_refused_with_the_reason_and_metadata_updates_pass()
    {
        var taskRun = Reviews.MinimalTaskRun();
        config.BlockedReason = "agent.allowOverrides: not a boolean";

        var created = Handler.Admit(Reviews.TaskRunRequest("CREATE", taskRun));
        var changed = (JsonObject)taskRun.DeepClone();
        changed["spec"]!["priority"] = "low";
        var specChange = Handler.Admit(Reviews.TaskRunRequest("UPDATE", changed, taskRun));
        var finalized = (JsonObject)taskRun.DeepClone();
        finalized["metadata"]!["finalizers"] = new JsonArray("taskrun.orchestrator.io/cleanup");
        var metadataOnly = Handler.Admit(Reviews.TaskRunRequest("UPDATE", finalized, taskRun));

        foreach (var refused in new[] { created, specChange })
        {
            Assert.False(refused.Response.Allowed);
            Assert.Equal(503, refused.Response.Status!.Code);
            Assert.Contains("TaskRun admission is closed", refused.Response.Status.Message, StringComparison.Ordinal);
            Assert.Contains("agent.allowOverrides: not a boolean", refused.Response.Status.Message, StringComparison.Ordinal);
        }

        Assert.True(metadataOnly.Response.Allowed);
    }

    [Fact]
    public void An_update_that_keeps_the_spec_is_not_blocked_by_a_stricter_config()
    {
        var taskRun = Reviews.MinimalTaskRun();
        taskRun["spec"]!["files"]![0]!["content"] = new string('x', 2000);
        config.Current = ControllerConfig.Default with { Limits = new LimitsConfig { MaxFileBytes = 1000 } };
        var updated = (JsonObject)taskRun.DeepClone();
        updated["metadata"]!["finalizers"] = new JsonArray("taskrun.orchestrator.io/cleanup");

        var response = Handler.Admit(Reviews.TaskRunRequest("UPDATE", updated, taskRun)).Response;

        Assert.True(response.Allowed);
    }

    [Fact]
    public void An_update_that_keeps_the_spec_still_may_not_add_the_reserved_annotation()
    {
        var taskRun = Reviews.MinimalTaskRun();
        var updated = (JsonObject)taskRun.DeepClone();
        updated["metadata"]!["annotations"] = new JsonObject { ["orchestrator.io/v2-spec"] = "{}" };

        var response = Handler.Admit(Reviews.TaskRunRequest("UPDATE", updated, taskRun)).Response;

        Assert.False(response.Allowed);
        Assert.Equal("metadata.annotations[orchestrator.io/v2-spec]", Assert.Single(response.Status!.Details!.Causes!).Field);
    }

    [Fact]
    public void An_update_of_an_object_being_deleted_is_allowed()
    {
        var old = Reviews.MinimalTaskRun();
        var updated = (JsonObject)old.DeepClone();
        updated["metadata"]!["deletionTimestamp"] = "2026-01-01T00:00:00Z";
        updated["spec"]!["taskId"] = 5;

        Assert.True(Handler.Admit(Reviews.TaskRunRequest("UPDATE", updated, old)).Response.Allowed);
    }

    [Fact]
    public void Retry_attempt_may_not_decrease()
    {
        var old = Reviews.MinimalTaskRun();
        old["spec"]!["retry"] = new JsonObject { ["attempt"] = 3 };
        var updated = (JsonObject)old.DeepClone();
        updated["spec"]!["retry"]!["attempt"] = 2;

        var response = Handler.Admit(Reviews.TaskRunRequest("UPDATE", updated, old)).Response;

        Assert.Equal("spec.retry.attempt", Assert.Single(response.Status!.Details!.Causes!).Field);
    }

    [Fact]
    public void A_dry_run_gets_the_same_answer()
    {
        var taskRun = Reviews.MinimalTaskRun();
        taskRun["spec"]!["files"]![0]!["name"] = "CLAUDE.md";

        var real = Handler.Admit(Reviews.TaskRunRequest("CREATE", taskRun)).Response;
        var dryRun = Handler.Admit(Reviews.TaskRunRequest("CREATE", taskRun, dryRun: true)).Response;

        Assert.Equal(real.Status!.Message, dryRun.Status!.Message);
        Assert.Equal(real.Allowed, dryRun.Allowed);
    }

    [Fact]
    public void Update_without_oldObject_is_denied_with_400()
    {
        var response = Handler.Admit(Reviews.TaskRunRequest("UPDATE", Reviews.MinimalTaskRun())).Response;
        Assert.False(response.Allowed);
        Assert.Equal(400, response.Status!.Code);
        Assert.Contains("oldObject", response.Status.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Another_kind_is_denied()
    {
        var request = Reviews.TaskRunRequest("CREATE", Reviews.MinimalTaskRun());
        request.Kind = new GroupVersionKind("", "v1", "Pod");
        Assert.False(Handler.Admit(request).Response.Allowed);
    }
}
