using System.Text.Json.Serialization;
using k8s.Models;

namespace TaskRun.Core.Api;

/// <summary>The status of a TaskRun; the same in v1 and v2.</summary>
public sealed class TaskRunStatus
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
}
