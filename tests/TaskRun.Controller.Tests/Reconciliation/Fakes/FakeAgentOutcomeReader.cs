using k8s.Models;
using TaskRun.Controller.Reconciliation;

namespace TaskRun.Controller.Tests.Reconciliation;

/// <summary>Answers with the outcome the test sets; counts the reads.</summary>
internal sealed class FakeAgentOutcomeReader : IAgentOutcomeReader
{
    public AgentOutcome Next { get; set; } = AgentOutcome.None;

    public int Reads { get; private set; }

    public Task<AgentOutcome> ReadAsync(V1Job job, int run, CancellationToken cancellationToken)
    {
        Reads++;
        return Task.FromResult(Next);
    }
}
