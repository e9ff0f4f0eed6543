namespace TaskRun.Controller.Reconciliation;

/// <summary>
/// The informers' caches as the reconciler sees them: what it reads instead of the API server, and where it
/// puts its own writes at once, so the next reconcile does not act on what it already did.
/// </summary>
public interface IReconcilerCache
{
    /// <summary>The cached TaskRun, without its files' contents; null when there is none.</summary>
    V2TaskRun? TaskRun(ObjectKey key);

    /// <summary>The cached Job, without its Pod template; null when there is none.</summary>
    V1Job? Job(ObjectKey key);

    /// <summary>A TaskRun as the API server answered one of our writes.</summary>
    void TaskRunWritten(V2TaskRun taskRun);

    /// <summary>A Job as the API server answered its creation.</summary>
    void JobWritten(V1Job job);
}
