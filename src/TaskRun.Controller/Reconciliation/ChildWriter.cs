using System.Diagnostics;

namespace TaskRun.Controller.Reconciliation;

/// <summary>Writes a run's children: server-side apply of the ConfigMap and Job, the workspace PVC, stopping and cleanup.</summary>
public sealed class ChildWriter(IKubernetes client, ControllerMetrics metrics) : IChildWriter
{
    private static readonly ActivitySource Tracing = new(Telemetry.SourceName);

    /// <summary>
    /// Creates the run's ConfigMap; one that exists is updated only when this TaskRun controls it (a restart
    /// between writes), else left untouched. Create first, so a name taken by another object is never overwritten.
    /// </summary>
    public async Task<ChildWrite> WriteConfigMapAsync(V1ConfigMap configMap, string ownerUid, CancellationToken cancellationToken)
    {
        using var span = Tracing.StartActivity("apply ConfigMap");
        span?.SetTag("k8s.configmap.name", configMap.Metadata.Name);
        var (name, ns) = (configMap.Metadata.Name, configMap.Metadata.NamespaceProperty);
        try
        {
            await client.CoreV1.CreateNamespacedConfigMapAsync(configMap, ns, fieldManager: TaskRunApi.FieldManager, cancellationToken: cancellationToken);
            metrics.ConfigMapCreated(SizeOf(configMap));
            return ChildWrite.Written;
        }
        catch (Exception e) when (KubernetesErrors.IsConflict(e))
        {
        }

        var existing = await client.CoreV1.ReadNamespacedConfigMapAsync(name, ns, cancellationToken: cancellationToken);
        if (!Ownership.IsControlledBy(existing, ownerUid))
        {
            return ChildWrite.NameTaken;
        }

        // Ours: bring it up to date. The uid precondition makes sure it is still the object just checked.
        configMap.Metadata.Uid = existing.Metadata.Uid;
        await client.CoreV1.PatchNamespacedConfigMapAsync(
            ApplyPatchBody.Of(configMap), name, ns, fieldManager: TaskRunApi.FieldManager, force: true, cancellationToken: cancellationToken);
        return ChildWrite.Written;
    }

    /// <summary>Creates the run's Job; one that exists counts as written only when this TaskRun controls it.</summary>
    public async Task<(ChildWrite Result, V1Job? Job)> WriteJobAsync(V1Job job, string ownerUid, CancellationToken cancellationToken)
    {
        using var span = Tracing.StartActivity("apply Job");
        span?.SetTag("k8s.job.name", job.Metadata.Name);
        var (name, ns) = (job.Metadata.Name, job.Metadata.NamespaceProperty);
        try
        {
            var created = await client.BatchV1.CreateNamespacedJobAsync(job, ns, fieldManager: TaskRunApi.FieldManager, cancellationToken: cancellationToken);
            metrics.JobCreated();
            return (ChildWrite.Written, created);
        }
        catch (Exception e) when (KubernetesErrors.IsConflict(e))
        {
        }

        // A Job's Pod template cannot change: our own existing Job is the run, as it is.
        var existing = await client.BatchV1.ReadNamespacedJobAsync(name, ns, cancellationToken: cancellationToken);
        return Ownership.IsControlledBy(existing, ownerUid) ? (ChildWrite.Written, existing) : (ChildWrite.NameTaken, null);
    }

    public async Task<V1Job?> ReadJobAsync(string ns, string name, CancellationToken cancellationToken)
    {
        try
        {
            return await client.BatchV1.ReadNamespacedJobAsync(name, ns, cancellationToken: cancellationToken);
        }
        catch (Exception e) when (KubernetesErrors.IsNotFound(e))
        {
            return null;
        }
    }

    /// <summary>
    /// Checks the service's workspace PVC and creates it when it is missing (and creating is on). An existing PVC
    /// is usable only when the controller made it (its managed-by label and service label) or an admin marked it
    /// <c>orchestrator.io/workspace=true</c>; any other is another application's volume and is never mounted.
    /// </summary>
    public async Task<WorkspaceClaim> EnsureWorkspaceClaimAsync(string ns, string serviceName, WorkspaceConfig workspace, CancellationToken cancellationToken)
    {
        var name = RunChildren.WorkspaceClaimName(serviceName);
        for (var attempt = 0; attempt < 2; attempt++)
        {
            try
            {
                var existing = await client.CoreV1.ReadNamespacedPersistentVolumeClaimAsync(name, ns, cancellationToken: cancellationToken);
                return IsWorkspace(existing, serviceName) ? WorkspaceClaim.Usable : WorkspaceClaim.Foreign;
            }
            catch (Exception e) when (KubernetesErrors.IsNotFound(e))
            {
            }

            if (!workspace.CreatePvc)
            {
                return WorkspaceClaim.Missing;
            }

            try
            {
                await client.CoreV1.CreateNamespacedPersistentVolumeClaimAsync(RunChildren.WorkspaceClaim(ns, serviceName, workspace), ns, cancellationToken: cancellationToken);
                return WorkspaceClaim.Usable;
            }
            catch (Exception e) when (KubernetesErrors.IsConflict(e))
            {
                // Created meanwhile (by another TaskRun of the service, or by someone else): look at it again.
            }
        }

        throw new InvalidOperationException($"PersistentVolumeClaim {ns}/{name} kept appearing and disappearing; trying again");
    }

    public static bool IsWorkspace(V1PersistentVolumeClaim claim, string serviceName)
    {
        var labels = claim.Metadata?.Labels ?? new Dictionary<string, string>();
        var madeByController = labels.TryGetValue(TaskRunLabels.ManagedBy, out var manager) && manager == TaskRunLabels.ManagedByValue &&
            labels.TryGetValue(TaskRunLabels.Service, out var service) && service == serviceName;
        var markedByAdmin = labels.TryGetValue(TaskRunLabels.Workspace, out var marked) && marked == "true";
        return madeByController || markedByAdmin;
    }

    /// <summary>
    /// Stops a run's Job without deleting it: a one-second deadline makes the Job controller end it, and the
    /// Job and its Pods' logs stay for inspection until the TTL removes them. Only a Job this TaskRun controls
    /// is touched; the patch carries its resourceVersion, so a Job replaced meanwhile is not. Returns whether it stopped one.
    /// </summary>
    public async Task<bool> StopJobAsync(string ns, string name, string ownerUid, CancellationToken cancellationToken)
    {
        try
        {
            var job = await client.BatchV1.ReadNamespacedJobAsync(name, ns, cancellationToken: cancellationToken);
            if (!Ownership.IsControlledBy(job, ownerUid))
            {
                return false;
            }

            var patch = new V1Patch(
                $"{{\"metadata\":{{\"resourceVersion\":\"{job.Metadata.ResourceVersion}\"}},\"spec\":{{\"activeDeadlineSeconds\":1}}}}", V1Patch.PatchType.MergePatch);
            await client.BatchV1.PatchNamespacedJobAsync(patch, name, ns, cancellationToken: cancellationToken);
            return true;
        }
        catch (Exception e) when (KubernetesErrors.IsNotFound(e))
        {
            return false;
        }
    }

    /// <summary>
    /// Deletes every Job and ConfigMap of a TaskRun: selected by its uid label, then kept only when its controller
    /// owner reference carries that uid (a label anyone can write), and deleted with a uid precondition.
    /// </summary>
    public async Task<int> DeleteChildrenAsync(string ns, string uid, CancellationToken cancellationToken)
    {
        var selector = $"{TaskRunLabels.TaskRunUid}={uid}";
        var deleted = 0;
        var jobs = await client.BatchV1.ListNamespacedJobAsync(ns, labelSelector: selector, cancellationToken: cancellationToken);
        foreach (var job in jobs.Items.Where(j => Ownership.IsControlledBy(j, uid)))
        {
            deleted += await IgnoreNotFound(() => client.BatchV1.DeleteNamespacedJobAsync(
                job.Metadata.Name, ns, new V1DeleteOptions { PropagationPolicy = "Background", Preconditions = new V1Preconditions { Uid = job.Metadata.Uid } },
                cancellationToken: cancellationToken));
        }

        var configMaps = await client.CoreV1.ListNamespacedConfigMapAsync(ns, labelSelector: selector, cancellationToken: cancellationToken);
        foreach (var configMap in configMaps.Items.Where(c => Ownership.IsControlledBy(c, uid)))
        {
            deleted += await IgnoreNotFound(() => client.CoreV1.DeleteNamespacedConfigMapAsync(
                configMap.Metadata.Name, ns, new V1DeleteOptions { Preconditions = new V1Preconditions { Uid = configMap.Metadata.Uid } },
                cancellationToken: cancellationToken));
        }

        return deleted;
    }

    private static async Task<int> IgnoreNotFound(Func<Task> delete)
    {
        try
        {
            await delete();
            return 1;
        }
        catch (Exception e) when (KubernetesErrors.IsNotFound(e) || KubernetesErrors.IsConflict(e))
        {
            // Gone, or replaced by another object of the same name (the uid precondition failed): not ours to delete.
            return 0;
        }
    }

    /// <summary>What the API server's 1 MiB ConfigMap limit counts: every key and value, in UTF-8 bytes.</summary>
    private static long SizeOf(V1ConfigMap configMap) =>
        configMap.Data?.Sum(entry => (long)System.Text.Encoding.UTF8.GetByteCount(entry.Key) + System.Text.Encoding.UTF8.GetByteCount(entry.Value ?? "")) ?? 0;
}
