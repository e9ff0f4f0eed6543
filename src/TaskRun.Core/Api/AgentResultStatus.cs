using System.Text.Json.Serialization;

namespace TaskRun.Core.Api;

/// <summary>What the agent CLI reported at the end of the latest run (<c>status.result</c>).</summary>
public sealed class AgentResultStatus
{
    /// <summary>The CLI's final text, at most 1 KiB, control characters removed.</summary>
    [JsonPropertyName("summary")]
    public string? Summary { get; set; }

    [JsonPropertyName("isError")]
    public bool? IsError { get; set; }

    [JsonPropertyName("turns")]
    public int? Turns { get; set; }

    [JsonPropertyName("costUSD")]
    public double? CostUsd { get; set; }

    /// <summary>The CLI's conversation id; the next run of the TaskRun continues it when its state survived.</summary>
    [JsonPropertyName("sessionID")]
    public string? SessionId { get; set; }

    /// <summary>The run this result belongs to.</summary>
    [JsonPropertyName("run")]
    public int? Run { get; set; }
}
