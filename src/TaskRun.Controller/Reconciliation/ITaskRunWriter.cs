namespace TaskRun.Controller.Reconciliation;

/// <summary>The reconciler's reads and writes of TaskRuns on the API server (<see cref="TaskRunWriter"/>).</summary>
public interface ITaskRunWriter
{
    /// <summary>The TaskRun as the API server has it now, with its files' contents, or null when it is gone or replaced.</summary>
    Task<V2TaskRun?> ReadAsync(V2TaskRun taskRun, CancellationToken cancellationToken);

    Task<V2TaskRun> AddFinalizerAsync(V2TaskRun taskRun, CancellationToken cancellationToken);

    Task<V2TaskRun> RemoveFinalizerAsync(V2TaskRun taskRun, CancellationToken cancellationToken);

    /// <summary>Replaces the status; a stale resourceVersion makes it fail with a conflict instead of overwriting.</summary>
    Task<V2TaskRun> ReplaceStatusAsync(V2TaskRun taskRun, TaskRunStatus status, CancellationToken cancellationToken);
}
