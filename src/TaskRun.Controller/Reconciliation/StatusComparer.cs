using TaskRun.Core.Api;
using TaskRun.Core.Serialization;

namespace TaskRun.Controller.Reconciliation;

/// <summary>Status is written only when it changed; comparing the serialized form covers every field.</summary>
public static class StatusComparer
{
    public static bool Same(TaskRunStatus? current, TaskRunStatus next) =>
        current is not null && KubeJson.Serialize(Normalize(current)) == KubeJson.Serialize(Normalize(next));

    // The API server keeps times to the second; compare at that precision so a round trip is not a change.
    private static TaskRunStatus Normalize(TaskRunStatus status) => new()
    {
        Phase = status.Phase,
        Conditions = status.Conditions?.Select(c => new k8s.Models.V1Condition
        {
            Type = c.Type,
            Status = c.Status,
            Reason = c.Reason,
            Message = c.Message,
            ObservedGeneration = c.ObservedGeneration,
            LastTransitionTime = Seconds(c.LastTransitionTime),
        }).ToList(),
        ConfigMapName = status.ConfigMapName,
        JobName = status.JobName,
        Attempt = status.Attempt,
        StartTime = Seconds(status.StartTime),
        CompletionTime = Seconds(status.CompletionTime),
        Message = status.Message,
        AgentMessage = status.AgentMessage,
        Result = status.Result,
        TotalCostUsd = status.TotalCostUsd,
        ObservedGeneration = status.ObservedGeneration,
        ObservedRetryAttempt = status.ObservedRetryAttempt,
        RetryCount = status.RetryCount,
        NextRetryTime = Seconds(status.NextRetryTime),
        Dependencies = status.Dependencies is { Count: > 0 } dependencies ? dependencies : null,
        Notifications = status.Notifications is { Count: > 0 } notifications ? notifications : null,
    };

    private static DateTime? Seconds(DateTime? time) => time is { } t ? Seconds(t) : null;

    private static DateTime Seconds(DateTime t) => new(t.Ticks - (t.Ticks % TimeSpan.TicksPerSecond), DateTimeKind.Utc);
}
