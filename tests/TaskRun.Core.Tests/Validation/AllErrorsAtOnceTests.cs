using k8s.Models;
using TaskRun.Core.Api;
using TaskRun.Core.Tests.Support;
using TaskRun.Core.Validation;
using Xunit;

namespace TaskRun.Core.Tests.Validation;

/// <summary>Validation collects every error with its field path (Tekton's apis.FieldError), never just the first.</summary>
public sealed class AllErrorsAtOnceTests
{
    [Fact]
    public void An_object_with_many_problems_yields_all_of_them_with_their_paths()
    {
        var taskRun = TaskRuns.Valid();
        taskRun.Metadata.Annotations = new Dictionary<string, string> { [TaskRunApi.V2SpecAnnotation] = "{}" };
        taskRun.Spec.TaskId = 0;
        taskRun.Spec.ServiceName = "Auth Service";
        taskRun.Spec.Priority = "urgent";
        taskRun.Spec.Files =
        [
            new TaskFile { Name = "../task.md", Type = FileTypes.Task, Content = "x" },
            new TaskFile { Name = "notes.md", Type = "notes", Content = new string('é', 6) },
            new TaskFile { Name = "notes.md", Content = "y" },
            new TaskFile { Name = "CLAUDE.md", Content = null },
            null!,
        ];
        taskRun.Spec.Retry = new RetrySpec { Attempt = 0, MaxRetries = 11 };
        taskRun.Spec.TimeoutSeconds = 30;
        taskRun.Spec.Agent = new AgentOverride { Image = "bad image" };
        var policy = new ValidationPolicy(MaxFileBytes: 10, AllowAgentOverrides: true);

        var result = TaskRunValidator.ValidateCreate(taskRun, policy);

        Assert.Equal(
            new (string, FieldErrorType)[]
            {
                ("metadata.annotations[orchestrator.io/v2-spec]", FieldErrorType.Forbidden),
                ("spec.taskId", FieldErrorType.Invalid),
                ("spec.serviceName", FieldErrorType.Invalid),
                ("spec.priority", FieldErrorType.NotSupported),
                ("spec.files[0].name", FieldErrorType.Invalid),
                ("spec.files[1].type", FieldErrorType.NotSupported),
                ("spec.files[1].content", FieldErrorType.TooLong),
                ("spec.files[2].name", FieldErrorType.Duplicate),
                ("spec.files[3].name", FieldErrorType.Forbidden),
                ("spec.files[3].content", FieldErrorType.Required),
                ("spec.files[4]", FieldErrorType.Required),
                ("spec.retry.attempt", FieldErrorType.Invalid),
                ("spec.retry.maxRetries", FieldErrorType.Invalid),
                ("spec.timeoutSeconds", FieldErrorType.Invalid),
                ("spec.agent.image", FieldErrorType.Invalid),
            },
            result.Errors.Select(e => (e.Field, e.Type)).ToArray());
        Assert.All(result.Errors, e => Assert.False(string.IsNullOrWhiteSpace(e.Message)));
        Assert.All(result.Errors, e => Assert.Contains(e.Field + ": " + e.Message, result.Summary(), StringComparison.Ordinal));
        Assert.StartsWith("metadata.annotations[orchestrator.io/v2-spec]: ", result.Summary(), StringComparison.Ordinal);
    }

    [Fact]
    public void Forbidden_overrides_and_immutability_are_reported_alongside_other_errors()
    {
        var old = TaskRuns.Valid();
        var updated = TaskRuns.Clone(old);
        updated.Spec.ServiceName = "billing";
        updated.Spec.Files![1].Name = "metadata.yaml";
        updated.Spec.Agent = new AgentOverride
        {
            Resources = new V1ResourceRequirements { Requests = new Dictionary<string, ResourceQuantity> { ["cpu"] = new("1") } },
        };

        var result = TaskRunValidator.ValidateUpdate(updated, old, ValidationPolicy.Default with { AllowAgentOverrides = false });

        Assert.Equal(["spec.files[1].name", "spec.agent", "spec.serviceName"], result.Errors.Select(e => e.Field));
    }
}
