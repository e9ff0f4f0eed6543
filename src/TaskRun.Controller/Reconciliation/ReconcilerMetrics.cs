namespace TaskRun.Controller.Reconciliation;

/// <summary>The reconciler's counts, as the controller's Prometheus metrics.</summary>
public sealed class ReconcilerMetrics(ControllerMetrics metrics) : IReconcilerMetrics
{
    public void AgentResult(string ns, AgentResultStatus result) => metrics.Agent.RecordResult(ns, result);

    public void NotificationsDropped(int count) => metrics.NotificationsDropped(count);

    public void AdmittedFromQueue(TimeSpan waited) => metrics.Scheduling.Admitted(waited);
}
