using System.Diagnostics;
using k8s;
using k8s.Models;
using TaskRun.Core.Api;
using TaskRun.Core.Config;

namespace TaskRun.Controller.Reconciliation;

/// <summary>Writes a run's children: server-side apply of the ConfigMap and Job, the workspace PVC, stopping and cleanup.</summary>
public sealed class ChildWriter(IKubernetes client, ControllerMetrics metrics)
{
    private static readonly ActivitySource Tracing = new(Telemetry.SourceName);

    public async Task<V1ConfigMap> ApplyConfigMapAsync(V1ConfigMap configMap, CancellationToken cancellationToken)
    {
        using var span = Tracing.StartActivity("apply ConfigMap");
        span?.SetTag("k8s.configmap.name", configMap.Metadata.Name);
        var applied = await client.CoreV1.PatchNamespacedConfigMapAsync(
            new V1Patch(configMap, V1Patch.PatchType.ApplyPatch), configMap.Metadata.Name, configMap.Metadata.NamespaceProperty,
            fieldManager: TaskRunApi.FieldManager, force: true, cancellationToken: cancellationToken);
        metrics.ConfigMapCreated(SizeOf(configMap));
        return applied;
    }

    public async Task<V1Job> ApplyJobAsync(V1Job job, CancellationToken cancellationToken)
    {
        using var span = Tracing.StartActivity("apply Job");
        span?.SetTag("k8s.job.name", job.Metadata.Name);
        var applied = await client.BatchV1.PatchNamespacedJobAsync(
            new V1Patch(job, V1Patch.PatchType.ApplyPatch), job.Metadata.Name, job.Metadata.NamespaceProperty,
            fieldManager: TaskRunApi.FieldManager, force: true, cancellationToken: cancellationToken);
        metrics.JobCreated();
        return applied;
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

    /// <summary>Creates the service's workspace PVC when it is missing; an existing one is left as it is.</summary>
    public async Task EnsureWorkspaceClaimAsync(string ns, string serviceName, WorkspaceConfig workspace, CancellationToken cancellationToken)
    {
        var name = RunChildren.WorkspaceClaimName(serviceName);
        try
        {
            await client.CoreV1.ReadNamespacedPersistentVolumeClaimAsync(name, ns, cancellationToken: cancellationToken);
            return;
        }
        catch (Exception e) when (KubernetesErrors.IsNotFound(e))
        {
        }

        try
        {
            await client.CoreV1.CreateNamespacedPersistentVolumeClaimAsync(RunChildren.WorkspaceClaim(ns, serviceName, workspace), ns, cancellationToken: cancellationToken);
        }
        catch (Exception e) when (KubernetesErrors.IsConflict(e))
        {
            // Another TaskRun of the same service created it first.
        }
    }

    /// <summary>
    /// Stops a run's Job without deleting it: a one-second deadline makes the Job controller end it, and the
    /// Job and its Pods' logs stay for inspection until the TTL removes them.
    /// </summary>
    public async Task StopJobAsync(string ns, string name, CancellationToken cancellationToken)
    {
        try
        {
            var patch = new V1Patch("{\"spec\":{\"activeDeadlineSeconds\":1}}", V1Patch.PatchType.MergePatch);
            await client.BatchV1.PatchNamespacedJobAsync(patch, name, ns, cancellationToken: cancellationToken);
        }
        catch (Exception e) when (KubernetesErrors.IsNotFound(e))
        {
        }
    }

    /// <summary>Deletes every Job and ConfigMap of a TaskRun, selected by its uid (never by task id alone).</summary>
    public async Task<int> DeleteChildrenAsync(string ns, string uid, CancellationToken cancellationToken)
    {
        var selector = $"{TaskRunLabels.TaskRunUid}={uid}";
        var deleted = 0;
        var jobs = await client.BatchV1.ListNamespacedJobAsync(ns, labelSelector: selector, cancellationToken: cancellationToken);
        foreach (var job in jobs.Items)
        {
            deleted += await IgnoreNotFound(() => client.BatchV1.DeleteNamespacedJobAsync(
                job.Metadata.Name, ns, propagationPolicy: "Background", cancellationToken: cancellationToken));
        }

        var configMaps = await client.CoreV1.ListNamespacedConfigMapAsync(ns, labelSelector: selector, cancellationToken: cancellationToken);
        foreach (var configMap in configMaps.Items)
        {
            deleted += await IgnoreNotFound(() => client.CoreV1.DeleteNamespacedConfigMapAsync(configMap.Metadata.Name, ns, cancellationToken: cancellationToken));
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
        catch (Exception e) when (KubernetesErrors.IsNotFound(e))
        {
            return 0;
        }
    }

    /// <summary>What the API server's 1 MiB ConfigMap limit counts: every key and value, in UTF-8 bytes.</summary>
    private static long SizeOf(V1ConfigMap configMap) =>
        configMap.Data?.Sum(entry => (long)System.Text.Encoding.UTF8.GetByteCount(entry.Key) + System.Text.Encoding.UTF8.GetByteCount(entry.Value ?? "")) ?? 0;
}
