namespace TaskRun.Controller.Reconciliation;

/// <summary>What the agent said when a run finished.</summary>
/// <param name="Message">Its termination message (its last words), cleaned; null when it wrote none.</param>
/// <param name="Result">The agent CLI's JSON result, from the last line of its container log; null when there is none.</param>
public sealed record AgentOutcome(string? Message, AgentResultStatus? Result)
{
    /// <summary>The reason a run fails with when its Job completed but the agent CLI reported an error.</summary>
    public const string AgentErrorReason = "AgentError";

    public static AgentOutcome None { get; } = new(null, null);

    /// <summary>What to quote in status.message: the last words, else the CLI's result text.</summary>
    public string? Said => Message ?? Result?.Summary;

    /// <summary>The CLI reported an error although its container exited 0.</summary>
    public bool IsAgentError => Result?.IsError == true;

    /// <summary>
    /// Writes the outcome into a status: the last words, and a result not recorded before (one per run), whose
    /// cost is added to the total. True when the result is new, so its metrics are counted once per status write.
    /// </summary>
    public bool ApplyTo(TaskRunStatus status)
    {
        ArgumentNullException.ThrowIfNull(status);
        status.AgentMessage = Message;
        if (Result is null || status.Result?.Run == Result.Run)
        {
            return false;
        }

        status.Result = Result;
        if (Result.CostUsd is { } cost)
        {
            status.TotalCostUsd = (status.TotalCostUsd ?? 0) + cost;
        }

        return true;
    }
}
