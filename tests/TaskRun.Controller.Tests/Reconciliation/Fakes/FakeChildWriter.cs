using k8s.Models;
using TaskRun.Controller.Reconciliation;
using TaskRun.Runtime;
using TaskRun.Core.Config;

namespace TaskRun.Controller.Tests.Reconciliation;

/// <summary>ConfigMap, Job and workspace writes against <see cref="FakeApiServer"/>, with the same ownership rules as <see cref="ChildWriter"/>.</summary>
internal sealed class FakeChildWriter(FakeApiServer server) : IChildWriter
{
    /// <summary>What the workspace PVC check answers.</summary>
    public WorkspaceClaim Workspace { get; set; } = WorkspaceClaim.Usable;

    public List<string> StoppedJobs { get; } = [];

    public List<string> CleanedUpUids { get; } = [];

    public int JobReads { get; private set; }

    public Task<ChildWrite> WriteConfigMapAsync(V1ConfigMap configMap, string ownerUid, CancellationToken cancellationToken)
    {
        var existing = server.Get<V1ConfigMap>(ObjectKey.Of(configMap));
        if (existing is not null && !Ownership.IsControlledBy(existing, ownerUid))
        {
            return Task.FromResult(ChildWrite.NameTaken);
        }

        server.Put(configMap);
        return Task.FromResult(ChildWrite.Written);
    }

    public Task<(ChildWrite Result, V1Job? Job)> WriteJobAsync(V1Job job, string ownerUid, CancellationToken cancellationToken)
    {
        var existing = server.Get<V1Job>(ObjectKey.Of(job));
        if (existing is not null)
        {
            return Task.FromResult(Ownership.IsControlledBy(existing, ownerUid) ? (ChildWrite.Written, existing) : (ChildWrite.NameTaken, (V1Job?)null));
        }

        return Task.FromResult((ChildWrite.Written, (V1Job?)server.Put(job)));
    }

    public Task<V1Job?> ReadJobAsync(string ns, string name, CancellationToken cancellationToken)
    {
        JobReads++;
        return Task.FromResult(server.Get<V1Job>(new ObjectKey(ns, name)));
    }

    public Task<WorkspaceClaim> EnsureWorkspaceClaimAsync(string ns, string serviceName, WorkspaceConfig workspace, CancellationToken cancellationToken) =>
        Task.FromResult(Workspace);

    public Task<bool> StopJobAsync(string ns, string name, string ownerUid, CancellationToken cancellationToken)
    {
        if (!Ownership.IsControlledBy(server.Get<V1Job>(new ObjectKey(ns, name)), ownerUid))
        {
            return Task.FromResult(false);
        }

        StoppedJobs.Add(name);
        return Task.FromResult(true);
    }

    public Task<int> DeleteChildrenAsync(string ns, string uid, CancellationToken cancellationToken)
    {
        CleanedUpUids.Add(uid);
        var jobs = server.List<V1Job>().Where(j => j.Metadata.NamespaceProperty == ns && Ownership.IsControlledBy(j, uid)).Select(ObjectKey.Of).ToList();
        var configMaps = server.List<V1ConfigMap>().Where(c => c.Metadata.NamespaceProperty == ns && Ownership.IsControlledBy(c, uid)).Select(ObjectKey.Of).ToList();
        return Task.FromResult(jobs.Count(server.Remove<V1Job>) + configMaps.Count(server.Remove<V1ConfigMap>));
    }
}
