namespace TaskRun.Controller.Reconciliation;

/// <summary>What the agent said when a run's Job finished (<see cref="AgentOutcomeReader"/>).</summary>
public interface IAgentOutcomeReader
{
    /// <summary>The outcome of run <paramref name="run"/>; <see cref="AgentOutcome.None"/> when it cannot be read.</summary>
    Task<AgentOutcome> ReadAsync(V1Job job, int run, CancellationToken cancellationToken);
}
