using System.Reflection;
using k8s.Models;
using TaskRun.Core.Api;

namespace TaskRun.Core.Tests.Api;

/// <summary>
/// A status and a spec with every property set, so a copy that drops a field shows. <see cref="UnsetProperties"/>
/// lists what is not set: a field added to the type later shows up there until it is set here too.
/// </summary>
internal static class FullyPopulated
{
    public static readonly DateTime Time = new(2026, 11, 30, 9, 0, 0, DateTimeKind.Utc);

    public static TaskRunStatus Status() => new()
    {
        Phase = Phases.Running,
        Conditions = [new V1Condition { Type = ConditionTypes.Succeeded, Status = "Unknown", Reason = ConditionReasons.Running, Message = "run 1 is running", ObservedGeneration = 1, LastTransitionTime = Time }],
        ConfigMapName = "x-run-1-files",
        JobName = "x-run-1",
        Attempt = 1,
        StartTime = Time,
        CompletionTime = Time.AddMinutes(1),
        Message = "run 1 is running",
        AgentMessage = "working",
        Result = new AgentResultStatus { Run = 1, Summary = "done", CostUsd = 0.5, Turns = 3, IsError = false, SessionId = "s" },
        TotalCostUsd = 0.5,
        ObservedGeneration = 1,
        ObservedRetryAttempt = 1,
        RetryCount = 1,
        NextRetryTime = Time.AddMinutes(2),
        Dependencies = [new ObservedDependency { Name = "build", Uid = "uid-build" }],
        Notifications = [new PendingNotification { Id = "n1", Phase = Phases.Running, Time = Time, Run = 1, Reason = "Running", Message = "m", JobName = "x-run-1" }],
    };

    public static V2TaskRunSpec Spec() => new()
    {
        TaskId = 7,
        ServiceName = "svc",
        Priority = Priorities.High,
        Files = [new TaskFile { Name = "task.md", Type = FileTypes.Task, Content = "# the task", MeasuredContentBytes = 10 }],
        Retry = new RetrySpec { Attempt = 2, MaxRetries = 1 },
        TimeoutSeconds = 600,
        Agent = new AgentOverride { Image = "agent:1", MaxTurns = 5 },
        Cancel = false,
        DependsOn = ["build"],
    };

    public static IEnumerable<string> UnsetProperties(object value) =>
        value.GetType().GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.GetValue(value) is null).Select(p => p.Name);
}
