namespace TaskRun.Controller.Reconciliation;

/// <summary>
/// Which objects are a TaskRun's own: those whose controller owner reference (<c>controller: true</c>) carries the
/// TaskRun's uid. The controller writes, stops and deletes nothing else, whatever its name or labels say.
/// </summary>
public static class Ownership
{
    public static bool IsControlledBy(IKubernetesObject<V1ObjectMeta>? obj, string? ownerUid) =>
        obj?.Metadata?.OwnerReferences?.Any(o => o.Controller == true && o.Uid == ownerUid && !string.IsNullOrEmpty(ownerUid)) == true;
}

/// <summary>What writing a child came to: written (created or updated, ours) or left alone because another object holds the name.</summary>
public enum ChildWrite
{
    Written,
    NameTaken,
}

/// <summary>Whether the service's workspace PVC may be mounted by a run.</summary>
public enum WorkspaceClaim
{
    /// <summary>Made by the controller, or marked by an admin with <c>orchestrator.io/workspace=true</c>.</summary>
    Usable,

    /// <summary>Missing and not created (workspace.createPvc is false); the Job waits for it.</summary>
    Missing,

    /// <summary>Another PVC of that name: mounting it would hand another application's data to the agent.</summary>
    Foreign,
}
