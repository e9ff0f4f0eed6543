using TaskRun.Core.Api;
using TaskRun.Core.Tests.Support;
using TaskRun.Core.Validation;
using Xunit;

namespace TaskRun.Core.Tests.Validation;

/// <summary>Update rules: taskId and serviceName are immutable; retry.attempt never decreases.</summary>
public sealed class UpdateValidationTests
{
    private sealed record UpdateCase(Action<V2TaskRun> Old, Action<V2TaskRun> New, string? Field, FieldErrorType Type, string[] MessageFragments);

    private static readonly Dictionary<string, UpdateCase> Cases = new()
    {
        ["taskId changed"] = new(_ => { }, t => t.Spec.TaskId = 1002, "spec.taskId", FieldErrorType.Forbidden, ["immutable", "it was 1001", "create a new TaskRun"]),
        ["serviceName changed"] = new(_ => { }, t => t.Spec.ServiceName = "billing-service", "spec.serviceName", FieldErrorType.Forbidden, ["immutable", "it was \"auth-service\"", "create a new TaskRun"]),
        ["retry.attempt decreased 3 to 2"] = new(t => t.Spec.Retry!.Attempt = 3, t => t.Spec.Retry!.Attempt = 2, "spec.retry.attempt", FieldErrorType.Invalid, ["may not decrease", "from 3 to 2", "raise it above 3"]),
        ["retry.attempt decreased 2 to 1"] = new(t => t.Spec.Retry!.Attempt = 2, t => t.Spec.Retry!.Attempt = 1, "spec.retry.attempt", FieldErrorType.Invalid, ["from 2 to 1"]),
        ["retry.attempt removed after being raised"] = new(t => t.Spec.Retry!.Attempt = 4, t => t.Spec.Retry = null, "spec.retry.attempt", FieldErrorType.Invalid, ["from 4 to 1"]),
        ["retry.attempt unchanged"] = new(t => t.Spec.Retry!.Attempt = 3, t => t.Spec.Retry!.Attempt = 3, null, default, []),
        ["retry.attempt raised (manual retry)"] = new(_ => { }, t => t.Spec.Retry!.Attempt = 2, null, default, []),
        ["retry.attempt raised by many"] = new(_ => { }, t => t.Spec.Retry!.Attempt = 100, null, default, []),
        ["retry.attempt set where it was absent"] = new(t => t.Spec.Retry = null, t => t.Spec.Retry = new RetrySpec { Attempt = 1 }, null, default, []),
        ["priority changed"] = new(_ => { }, t => t.Spec.Priority = Priorities.Critical, null, default, []),
        ["files edited"] = new(_ => { }, t => t.Spec.Files![0].Content = "# Task, revised", null, default, []),
        ["file added"] = new(_ => { }, t => t.Spec.Files!.Add(new TaskFile { Name = "notes.md", Type = FileTypes.Context, Content = "x" }), null, default, []),
        ["maxRetries and timeout changed"] = new(_ => { }, t => { t.Spec.Retry!.MaxRetries = 5; t.Spec.TimeoutSeconds = 7200; }, null, default, []),
        ["cancelled"] = new(_ => { }, t => t.Spec.Cancel = true, null, default, []),
        ["labels changed"] = new(_ => { }, t => t.Metadata.Labels!["team"] = "identity", null, default, []),
        ["nothing changed"] = new(_ => { }, _ => { }, null, default, []),
    };

    public static TheoryData<string> CaseNames => new(Cases.Keys);

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void Update_rules(string caseName)
    {
        var updateCase = Cases[caseName];
        var old = TaskRuns.Valid();
        updateCase.Old(old);
        var updated = TaskRuns.Clone(old);
        updateCase.New(updated);

        var result = TaskRunValidator.ValidateUpdate(updated, old, ValidationPolicy.Default);

        if (updateCase.Field is null)
        {
            ValidationAssert.Valid(result);
        }
        else
        {
            ValidationAssert.SingleError(result, updateCase.Field, updateCase.Type, updateCase.MessageFragments);
        }
    }

    [Fact]
    public void Both_identity_fields_and_the_attempt_are_reported_together()
    {
        var old = TaskRuns.Valid();
        old.Spec.Retry!.Attempt = 5;
        var updated = TaskRuns.Clone(old);
        updated.Spec.TaskId = 7;
        updated.Spec.ServiceName = "other";
        updated.Spec.Retry!.Attempt = 4;

        var result = TaskRunValidator.ValidateUpdate(updated, old, ValidationPolicy.Default);

        Assert.Equal(["spec.taskId", "spec.serviceName", "spec.retry.attempt"], result.Errors.Select(e => e.Field));
    }

    [Fact]
    public void Create_rules_still_apply_on_update()
    {
        var old = TaskRuns.Valid();
        var updated = TaskRuns.Clone(old);
        updated.Spec.Files![0].Name = "../task.md";

        var result = TaskRunValidator.ValidateUpdate(updated, old, ValidationPolicy.Default);

        ValidationAssert.SingleError(result, "spec.files[0].name", FieldErrorType.Invalid);
    }

    [Fact]
    public void Update_without_the_old_object_is_a_programming_error() =>
        Assert.Throws<ArgumentNullException>(() => TaskRunValidator.ValidateUpdate(TaskRuns.Valid(), null!, ValidationPolicy.Default));
}
