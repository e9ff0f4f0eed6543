namespace TaskRun.Controller.Reconciliation;

/// <summary>The reconciler's reads and writes of a run's children on the API server (<see cref="ChildWriter"/>).</summary>
public interface IChildWriter
{
    /// <summary>Creates the run's ConfigMap, or updates the one this TaskRun controls; one held by another object is left untouched.</summary>
    Task<ChildWrite> WriteConfigMapAsync(V1ConfigMap configMap, string ownerUid, CancellationToken cancellationToken);

    /// <summary>Creates the run's Job; one that exists counts as written only when this TaskRun controls it.</summary>
    Task<(ChildWrite Result, V1Job? Job)> WriteJobAsync(V1Job job, string ownerUid, CancellationToken cancellationToken);

    /// <summary>The Job as the API server has it now, or null.</summary>
    Task<V1Job?> ReadJobAsync(string ns, string name, CancellationToken cancellationToken);

    /// <summary>Whether the service's workspace PVC may be mounted, creating it when it is missing (and creating is on).</summary>
    Task<WorkspaceClaim> EnsureWorkspaceClaimAsync(string ns, string serviceName, WorkspaceConfig workspace, CancellationToken cancellationToken);

    /// <summary>Ends a Job this TaskRun controls without deleting it; whether it stopped one.</summary>
    Task<bool> StopJobAsync(string ns, string name, string ownerUid, CancellationToken cancellationToken);

    /// <summary>Deletes every Job and ConfigMap the TaskRun with <paramref name="uid"/> controls; how many.</summary>
    Task<int> DeleteChildrenAsync(string ns, string uid, CancellationToken cancellationToken);
}
