using System.Text.Json.Nodes;
using TaskRun.Core.Api;
using TaskRun.Core.Defaulting;
using TaskRun.Core.Serialization;
using TaskRun.Core.Tests.Support;
using Xunit;

namespace TaskRun.Core.Tests.Defaulting;

/// <summary>Defaulting: each default, the mirrored labels, the warnings, and what is deliberately not written.</summary>
public sealed class TaskRunDefaulterTests
{
    /// <summary>What a user applies: the seed's example with nothing defaulted.</summary>
    private static V2TaskRun Minimal() => new()
    {
        Metadata = new() { Name = "auth-service-task-1001", NamespaceProperty = "orchestrator" },
        Spec = new V2TaskRunSpec
        {
            TaskId = 1001,
            ServiceName = "auth-service",
            Files = [new TaskFile { Name = "task.md", Type = FileTypes.Task, Content = "# Task" }],
        },
    };

    [Fact]
    public void Priority_defaults_to_medium()
    {
        var taskRun = Minimal();

        TaskRunDefaulter.Default(taskRun);

        Assert.Equal(Priorities.Medium, taskRun.Spec.Priority);
    }

    [Theory]
    [InlineData(Priorities.Low)]
    [InlineData(Priorities.High)]
    [InlineData(Priorities.Critical)]
    [InlineData("urgent")]
    public void A_given_priority_is_kept_even_an_invalid_one(string priority)
    {
        var taskRun = Minimal();
        taskRun.Spec.Priority = priority;

        TaskRunDefaulter.Default(taskRun);

        Assert.Equal(priority, taskRun.Spec.Priority);
    }

    [Fact]
    public void Retry_attempt_defaults_to_1_when_retry_is_absent()
    {
        var taskRun = Minimal();

        TaskRunDefaulter.Default(taskRun);

        Assert.Equal(1, taskRun.Spec.Retry?.Attempt);
        Assert.Null(taskRun.Spec.Retry?.MaxRetries);
    }

    [Fact]
    public void Retry_attempt_defaults_to_1_next_to_a_given_maxRetries()
    {
        var taskRun = Minimal();
        taskRun.Spec.Retry = new RetrySpec { MaxRetries = 5 };

        TaskRunDefaulter.Default(taskRun);

        Assert.Equal(1, taskRun.Spec.Retry.Attempt);
        Assert.Equal(5, taskRun.Spec.Retry.MaxRetries);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(4)]
    [InlineData(0)]
    public void A_given_retry_attempt_is_kept(int attempt)
    {
        var taskRun = Minimal();
        taskRun.Spec.Retry = new RetrySpec { Attempt = attempt };

        TaskRunDefaulter.Default(taskRun);

        Assert.Equal(attempt, taskRun.Spec.Retry.Attempt);
    }

    [Theory]
    [InlineData("task.md", FileTypes.Task)]
    [InlineData("design-spec.md", FileTypes.DesignSpec)]
    [InlineData("prompt.md", FileTypes.Prompt)]
    [InlineData("acceptance-criteria.md", FileTypes.AcceptanceCriteria)]
    [InlineData("notes.md", FileTypes.Context)]
    [InlineData("README.md", FileTypes.Context)]
    [InlineData("design_spec.md", FileTypes.Context)]
    [InlineData("my-task.md", FileTypes.Context)]
    [InlineData("task.md.md", FileTypes.Context)]
    public void A_missing_file_type_is_inferred_from_the_name_and_reported_but_not_written(string name, string expectedType)
    {
        var taskRun = Minimal();
        taskRun.Spec.Files = [new TaskFile { Name = "first.md", Type = FileTypes.Context, Content = "" }, new TaskFile { Name = name, Content = "x" }];

        var warnings = TaskRunDefaulter.Default(taskRun);

        // Written into a list item, it would make every re-apply of the manifest a change (GitOps drift).
        Assert.Null(taskRun.Spec.Files[1].Type);
        Assert.Equal(expectedType, FileTypes.InferFromName(name));
        var warning = Assert.Single(warnings);
        Assert.StartsWith("spec.files[1].type: ", warning, StringComparison.Ordinal);
        Assert.Contains($"inferred \"{expectedType}\"", warning, StringComparison.Ordinal);
        Assert.Contains($"\"{name}\"", warning, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_inferred_type_gets_its_own_warning()
    {
        var taskRun = Minimal();
        taskRun.Spec.Files =
        [
            new TaskFile { Name = "task.md", Content = "a" },
            new TaskFile { Name = "prompt.md", Type = FileTypes.Prompt, Content = "b" },
            new TaskFile { Name = "notes.md", Content = "c" },
        ];

        var warnings = TaskRunDefaulter.Default(taskRun);

        Assert.Equal(2, warnings.Count);
        Assert.StartsWith("spec.files[0].type:", warnings[0], StringComparison.Ordinal);
        Assert.StartsWith("spec.files[2].type:", warnings[1], StringComparison.Ordinal);
    }

    [Fact]
    public void A_given_file_type_is_kept_even_when_the_name_suggests_another()
    {
        var taskRun = Minimal();
        taskRun.Spec.Files = [new TaskFile { Name = "prompt.md", Type = FileTypes.Context, Content = "x" }];

        var warnings = TaskRunDefaulter.Default(taskRun);

        Assert.Equal(FileTypes.Context, taskRun.Spec.Files[0].Type);
        Assert.Empty(warnings);
    }

    [Fact]
    public void Labels_mirror_task_id_service_and_the_defaulted_priority()
    {
        var taskRun = Minimal();

        TaskRunDefaulter.Default(taskRun);

        Assert.Equal(
            new Dictionary<string, string>
            {
                [TaskRunLabels.TaskId] = "1001",
                [TaskRunLabels.Service] = "auth-service",
                [TaskRunLabels.Priority] = Priorities.Medium,
            },
            taskRun.Metadata.Labels);
    }

    [Fact]
    public void Mirrored_labels_a_manifest_sets_are_never_rewritten_and_other_labels_kept()
    {
        var taskRun = Minimal();
        taskRun.Spec.Priority = Priorities.Critical;
        taskRun.Metadata.Labels = new Dictionary<string, string>
        {
            [TaskRunLabels.TaskId] = "999",
            [TaskRunLabels.Priority] = Priorities.Low,
            ["team"] = "identity",
        };

        TaskRunDefaulter.Default(taskRun);

        // The contradictions are left for the validating webhook to refuse; the missing service label is added.
        Assert.Equal("999", taskRun.Metadata.Labels[TaskRunLabels.TaskId]);
        Assert.Equal(Priorities.Low, taskRun.Metadata.Labels[TaskRunLabels.Priority]);
        Assert.Equal("auth-service", taskRun.Metadata.Labels[TaskRunLabels.Service]);
        Assert.Equal("identity", taskRun.Metadata.Labels["team"]);
    }

    [Fact]
    public void On_update_a_mirrored_label_the_request_left_as_it_was_follows_the_spec()
    {
        var old = Minimal();
        TaskRunDefaulter.Default(old);
        var updated = KubeJson.Deserialize<V2TaskRun>(KubeJson.Serialize(old))!;
        updated.Spec.Priority = Priorities.High;

        TaskRunDefaulter.Default(updated, old);

        Assert.Equal(Priorities.High, updated.Metadata.Labels[TaskRunLabels.Priority]);
    }

    [Fact]
    public void On_update_a_label_set_to_a_new_value_is_kept_even_if_it_contradicts_the_spec()
    {
        var old = Minimal();
        TaskRunDefaulter.Default(old);
        var updated = KubeJson.Deserialize<V2TaskRun>(KubeJson.Serialize(old))!;
        updated.Metadata.Labels[TaskRunLabels.Priority] = Priorities.Low;

        TaskRunDefaulter.Default(updated, old);

        Assert.Equal(Priorities.Low, updated.Metadata.Labels[TaskRunLabels.Priority]);
    }

    [Fact]
    public void On_update_an_inferred_type_is_reported_only_for_a_new_file_or_a_changed_type()
    {
        var old = Minimal();
        old.Spec.Files = [new TaskFile { Name = "task.md", Content = "# Task" }, new TaskFile { Name = "notes.md", Type = FileTypes.Prompt, Content = "x" }];
        TaskRunDefaulter.Default(old);
        var updated = KubeJson.Deserialize<V2TaskRun>(KubeJson.Serialize(old))!;
        updated.Spec.Files![1].Type = null; // was prompt, now inferred as context
        updated.Spec.Files.Add(new TaskFile { Name = "prompt.md", Content = "y" });

        var warnings = TaskRunDefaulter.Default(updated, old);

        Assert.Equal(2, warnings.Count);
        Assert.StartsWith("spec.files[1].type: not set; inferred \"context\"", warnings[0], StringComparison.Ordinal);
        Assert.StartsWith("spec.files[2].type: not set; inferred \"prompt\"", warnings[1], StringComparison.Ordinal);
        Assert.Empty(TaskRunDefaulter.Default(KubeJson.Deserialize<V2TaskRun>(KubeJson.Serialize(old))!, old));
    }

    [Theory]
    [InlineData("a;rm -rf /")]
    [InlineData("$(id)")]
    [InlineData("`id`")]
    [InlineData("auth service")]
    [InlineData("Auth-Service")]
    [InlineData("auth_service")]
    [InlineData("auth-service\n")]
    [InlineData("")]
    public void No_service_label_is_written_for_an_invalid_serviceName(string serviceName)
    {
        var taskRun = Minimal();
        taskRun.Spec.ServiceName = serviceName;

        TaskRunDefaulter.Default(taskRun);

        Assert.False(taskRun.Metadata.Labels!.ContainsKey(TaskRunLabels.Service));
        Assert.Equal("1001", taskRun.Metadata.Labels[TaskRunLabels.TaskId]);
    }

    [Fact]
    public void A_64_character_serviceName_gets_no_label()
    {
        var taskRun = Minimal();
        taskRun.Spec.ServiceName = new string('a', 64);

        TaskRunDefaulter.Default(taskRun);

        Assert.False(taskRun.Metadata.Labels!.ContainsKey(TaskRunLabels.Service));
    }

    [Theory]
    [InlineData(null)]
    [InlineData(0L)]
    [InlineData(-7L)]
    public void No_task_id_label_is_written_for_a_missing_or_invalid_taskId(long? taskId)
    {
        var taskRun = Minimal();
        taskRun.Spec.TaskId = taskId;

        TaskRunDefaulter.Default(taskRun);

        Assert.False(taskRun.Metadata.Labels!.ContainsKey(TaskRunLabels.TaskId));
    }

    [Fact]
    public void No_priority_label_is_written_for_an_invalid_priority()
    {
        var taskRun = Minimal();
        taskRun.Spec.Priority = "urgent";

        TaskRunDefaulter.Default(taskRun);

        Assert.False(taskRun.Metadata.Labels!.ContainsKey(TaskRunLabels.Priority));
    }

    [Fact]
    public void A_stale_service_label_is_left_alone_when_the_serviceName_is_invalid()
    {
        var taskRun = Minimal();
        taskRun.Spec.ServiceName = "Not Valid";
        taskRun.Metadata.Labels = new Dictionary<string, string> { [TaskRunLabels.Service] = "auth-service" };

        TaskRunDefaulter.Default(taskRun);

        Assert.Equal("auth-service", taskRun.Metadata.Labels[TaskRunLabels.Service]);
    }

    [Fact]
    public void Config_derived_values_are_not_written_into_the_object()
    {
        var taskRun = Minimal();

        TaskRunDefaulter.Default(taskRun);

        Assert.Null(taskRun.Spec.TimeoutSeconds);
        Assert.Null(taskRun.Spec.Retry!.MaxRetries);
        Assert.Null(taskRun.Spec.Agent);
        Assert.Null(taskRun.Spec.Cancel);
        var spec = (JsonObject)KubeJson.ToNode(taskRun)!["spec"]!;
        Assert.Equal(["taskId", "serviceName", "priority", "files", "retry"], spec.Select(p => p.Key));
        Assert.Equal(["attempt"], spec["retry"]!.AsObject().Select(p => p.Key));
    }

    [Fact]
    public void A_defaulted_object_is_left_unchanged_and_only_the_untyped_file_is_reported_again()
    {
        var taskRun = Minimal();
        taskRun.Spec.Files!.Add(new TaskFile { Name = "notes.md", Content = "x" });
        var first = TaskRunDefaulter.Default(taskRun);
        var once = KubeJson.Serialize(taskRun);

        var warnings = TaskRunDefaulter.Default(taskRun);

        Assert.Equal(once, KubeJson.Serialize(taskRun));
        Assert.Equal(first, warnings);
        Assert.StartsWith("spec.files[1].type:", Assert.Single(warnings), StringComparison.Ordinal);
    }

    [Fact]
    public void A_complete_object_needs_no_defaults()
    {
        var taskRun = TaskRuns.Valid();
        var before = KubeJson.Serialize(taskRun);

        var warnings = TaskRunDefaulter.Default(taskRun);

        Assert.Equal(before, KubeJson.Serialize(taskRun));
        Assert.Empty(warnings);
    }

    [Fact]
    public void Files_absent_are_left_to_the_validator()
    {
        var taskRun = Minimal();
        taskRun.Spec.Files = null;

        var warnings = TaskRunDefaulter.Default(taskRun);

        Assert.Null(taskRun.Spec.Files);
        Assert.Empty(warnings);
    }

    [Fact]
    public void Defaulting_nothing_is_a_programming_error() =>
        Assert.Throws<ArgumentNullException>(() => TaskRunDefaulter.Default(null!));
}
