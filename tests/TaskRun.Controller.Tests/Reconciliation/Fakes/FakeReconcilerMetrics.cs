using TaskRun.Controller.Reconciliation;
using TaskRun.Core.Api;

namespace TaskRun.Controller.Tests.Reconciliation;

/// <summary>Keeps what the reconciler counted.</summary>
internal sealed class FakeReconcilerMetrics : IReconcilerMetrics
{
    public List<AgentResultStatus> AgentResults { get; } = [];

    public int NotificationsDroppedCount { get; private set; }

    public List<TimeSpan> QueueWaits { get; } = [];

    public void AgentResult(string ns, AgentResultStatus result) => AgentResults.Add(result);

    public void NotificationsDropped(int count) => NotificationsDroppedCount += count;

    public void AdmittedFromQueue(TimeSpan waited) => QueueWaits.Add(waited);
}
