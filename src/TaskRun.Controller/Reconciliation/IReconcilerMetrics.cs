namespace TaskRun.Controller.Reconciliation;

/// <summary>What the reconciler counts (<see cref="ReconcilerMetrics"/> exports it to Prometheus).</summary>
public interface IReconcilerMetrics
{
    /// <summary>One run's result, counted once: when it is first recorded in a status.</summary>
    void AgentResult(string ns, AgentResultStatus result);

    /// <summary>Undelivered notifications a status write had to drop to stay within the status bound.</summary>
    void NotificationsDropped(int count);

    /// <summary>A run left the queue after waiting <paramref name="waited"/>.</summary>
    void AdmittedFromQueue(TimeSpan waited);
}
