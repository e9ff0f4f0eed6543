namespace TaskRun.Controller.Reconciliation;

/// <summary>
/// The reconciler's view of the informers: reads from their caches; our own writes are handed to the controller,
/// which stores them and passes them on as the watch's changes are.
/// </summary>
public sealed class ReconcilerCache(
    ObjectCache<V2TaskRun> taskRuns, ObjectCache<V1Job> jobs, Action<V2TaskRun> taskRunWritten, Action<V1Job> jobWritten) : IReconcilerCache
{
    public V2TaskRun? TaskRun(ObjectKey key) => taskRuns.Get(key);

    public V1Job? Job(ObjectKey key) => jobs.Get(key);

    public void TaskRunWritten(V2TaskRun taskRun) => taskRunWritten(taskRun);

    public void JobWritten(V1Job job) => jobWritten(job);
}
