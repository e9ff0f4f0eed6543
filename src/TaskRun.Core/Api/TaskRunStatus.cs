using System.ComponentModel.DataAnnotations;
using System.Text.Json.Serialization;
using k8s.Models;

namespace TaskRun.Core.Api;

/// <summary>The status of a TaskRun; the same in v1 and v2. Its transitions are in TaskRunStatus.Transitions.cs.</summary>
public sealed partial class TaskRunStatus
{
    [JsonPropertyName("phase")]
    public string? Phase { get; set; }

    [JsonPropertyName("conditions")]
    public List<V1Condition>? Conditions { get; set; }

    [JsonPropertyName("configMapName")]
    public string? ConfigMapName { get; set; }

    [JsonPropertyName("jobName")]
    public string? JobName { get; set; }

    /// <summary>The current run number.</summary>
    [JsonPropertyName("attempt")]
    public int? Attempt { get; set; }

    [JsonPropertyName("startTime")]
    public DateTime? StartTime { get; set; }

    [JsonPropertyName("completionTime")]
    public DateTime? CompletionTime { get; set; }

    [JsonPropertyName("message")]
    public string? Message { get; set; }

    /// <summary>
    /// The agent container's termination message when the current run finished (≤ 1 KiB, control characters removed).
    /// </summary>
    [JsonPropertyName("agentMessage")]
    public string? AgentMessage { get; set; }

    /// <summary>What the agent CLI reported at the end of the latest run that reported (its JSON result).</summary>
    [JsonPropertyName("result")]
    public AgentResultStatus? Result { get; set; }

    /// <summary>The agent's reported cost summed over every run of this TaskRun, in US dollars.</summary>
    [JsonPropertyName("totalCostUSD")]
    public double? TotalCostUsd { get; set; }

    [JsonPropertyName("observedGeneration")]
    public long? ObservedGeneration { get; set; }

    /// <summary>The spec.retry.attempt the controller last acted on; a higher one asks for a manual retry.</summary>
    [JsonPropertyName("observedRetryAttempt")]
    public int? ObservedRetryAttempt { get; set; }

    /// <summary>Automatic retries used since the last manual start.</summary>
    [JsonPropertyName("retryCount")]
    public int? RetryCount { get; set; }

    /// <summary>When the next automatic retry may start (kept in status so a restart honours the backoff).</summary>
    [JsonPropertyName("nextRetryTime")]
    public DateTime? NextRetryTime { get; set; }

    /// <summary>The dependencies found while waiting, by uid: one that disappears (or is replaced) was deleted.</summary>
    [JsonPropertyName("dependencies")]
    public List<ObservedDependency>? Dependencies { get; set; }

    /// <summary>Phase transitions not yet delivered to every notification sink (so a new leader delivers them).</summary>
    [JsonPropertyName("notifications")]
    public List<PendingNotification>? Notifications { get; set; }
}

/// <summary>A dependency as it was when the TaskRun started waiting for it.</summary>
public sealed class ObservedDependency
{
    [Required]
    [JsonPropertyName("name")]
    public string? Name { get; set; }

    [Required]
    [JsonPropertyName("uid")]
    public string? Uid { get; set; }
}

/// <summary>One phase transition waiting to be sent as a CloudEvent; removed once delivered (or given up on).</summary>
public sealed class PendingNotification
{
    /// <summary>The CloudEvent id: the same on every delivery attempt of this transition.</summary>
    [Required]
    [JsonPropertyName("id")]
    public string? Id { get; set; }

    [Required]
    [JsonPropertyName("phase")]
    public string? Phase { get; set; }

    [Required]
    [JsonPropertyName("time")]
    public DateTime? Time { get; set; }

    [JsonPropertyName("run")]
    public int? Run { get; set; }

    [JsonPropertyName("reason")]
    public string? Reason { get; set; }

    [JsonPropertyName("message")]
    public string? Message { get; set; }

    [JsonPropertyName("jobName")]
    public string? JobName { get; set; }
}
