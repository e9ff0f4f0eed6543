using System.Text.Json;
using k8s;
using k8s.Models;
using TaskRun.Core.Api;
using TaskRun.Core.Serialization;

// WatchAsync over a list call is marked obsolete in favour of generated per-kind methods that do not exist for
// every kind used here; it is the same enumerator underneath (error events reach onError).
#pragma warning disable CS0618

namespace TaskRun.Controller.Runtime;

/// <summary>TaskRuns (v2, the version the controller reads) in all namespaces or one.</summary>
public sealed class TaskRunResourceClient(IKubernetes client, string? watchNamespace) : IResourceClient<V2TaskRun>
{
    public string Kind => TaskRunApi.Kind;

    public async Task<ResourceList<V2TaskRun>> ListAsync(CancellationToken cancellationToken)
    {
        var response = watchNamespace is null
            ? await client.CustomObjects.ListClusterCustomObjectAsync(TaskRunApi.Group, TaskRunApi.V2, TaskRunApi.Plural, cancellationToken: cancellationToken)
            : await client.CustomObjects.ListNamespacedCustomObjectAsync(TaskRunApi.Group, TaskRunApi.V2, watchNamespace, TaskRunApi.Plural, cancellationToken: cancellationToken);
        var list = KubeJson.Deserialize<V2TaskRunList>((JsonElement)response)!;
        return new(list.Items.ToList(), list.Metadata.ResourceVersion);
    }

    public IAsyncEnumerable<(WatchEventType Type, V2TaskRun Object)> WatchAsync(
        string resourceVersion, int timeoutSeconds, Action<Exception> onError, CancellationToken cancellationToken)
    {
        var response = watchNamespace is null
            ? client.CustomObjects.ListClusterCustomObjectWithHttpMessagesAsync(
                TaskRunApi.Group, TaskRunApi.V2, TaskRunApi.Plural, allowWatchBookmarks: true, resourceVersion: resourceVersion,
                timeoutSeconds: timeoutSeconds, watch: true, cancellationToken: cancellationToken)
            : client.CustomObjects.ListNamespacedCustomObjectWithHttpMessagesAsync(
                TaskRunApi.Group, TaskRunApi.V2, watchNamespace, TaskRunApi.Plural, allowWatchBookmarks: true, resourceVersion: resourceVersion,
                timeoutSeconds: timeoutSeconds, watch: true, cancellationToken: cancellationToken);
        return response.WatchAsync<V2TaskRun, object>(onError, cancellationToken);
    }
}

/// <summary>Jobs made by the controller (selected by the managed-by label, so the cache holds only ours).</summary>
public sealed class JobResourceClient(IKubernetes client, string? watchNamespace) : IResourceClient<V1Job>
{
    public string Kind => V1Job.KubeKind;

    public async Task<ResourceList<V1Job>> ListAsync(CancellationToken cancellationToken)
    {
        var list = watchNamespace is null
            ? await client.BatchV1.ListJobForAllNamespacesAsync(labelSelector: ManagedBySelector.Value, cancellationToken: cancellationToken)
            : await client.BatchV1.ListNamespacedJobAsync(watchNamespace, labelSelector: ManagedBySelector.Value, cancellationToken: cancellationToken);
        return new(list.Items.ToList(), list.Metadata.ResourceVersion);
    }

    public IAsyncEnumerable<(WatchEventType Type, V1Job Object)> WatchAsync(
        string resourceVersion, int timeoutSeconds, Action<Exception> onError, CancellationToken cancellationToken) =>
        watchNamespace is null
            ? client.BatchV1.ListJobForAllNamespacesWithHttpMessagesAsync(
                    allowWatchBookmarks: true, labelSelector: ManagedBySelector.Value, resourceVersion: resourceVersion,
                    timeoutSeconds: timeoutSeconds, watch: true, cancellationToken: cancellationToken)
                .WatchAsync<V1Job, V1JobList>(onError, cancellationToken)
            : client.BatchV1.ListNamespacedJobWithHttpMessagesAsync(
                    watchNamespace, allowWatchBookmarks: true, labelSelector: ManagedBySelector.Value, resourceVersion: resourceVersion,
                    timeoutSeconds: timeoutSeconds, watch: true, cancellationToken: cancellationToken)
                .WatchAsync<V1Job, V1JobList>(onError, cancellationToken);
}

/// <summary>ConfigMaps made by the controller (the run files), by the same label.</summary>
public sealed class ConfigMapResourceClient(IKubernetes client, string? watchNamespace) : IResourceClient<V1ConfigMap>
{
    public string Kind => V1ConfigMap.KubeKind;

    public async Task<ResourceList<V1ConfigMap>> ListAsync(CancellationToken cancellationToken)
    {
        var list = watchNamespace is null
            ? await client.CoreV1.ListConfigMapForAllNamespacesAsync(labelSelector: ManagedBySelector.Value, cancellationToken: cancellationToken)
            : await client.CoreV1.ListNamespacedConfigMapAsync(watchNamespace, labelSelector: ManagedBySelector.Value, cancellationToken: cancellationToken);
        return new(list.Items.ToList(), list.Metadata.ResourceVersion);
    }

    public IAsyncEnumerable<(WatchEventType Type, V1ConfigMap Object)> WatchAsync(
        string resourceVersion, int timeoutSeconds, Action<Exception> onError, CancellationToken cancellationToken) =>
        watchNamespace is null
            ? client.CoreV1.ListConfigMapForAllNamespacesWithHttpMessagesAsync(
                    allowWatchBookmarks: true, labelSelector: ManagedBySelector.Value, resourceVersion: resourceVersion,
                    timeoutSeconds: timeoutSeconds, watch: true, cancellationToken: cancellationToken)
                .WatchAsync<V1ConfigMap, V1ConfigMapList>(onError, cancellationToken)
            : client.CoreV1.ListNamespacedConfigMapWithHttpMessagesAsync(
                    watchNamespace, allowWatchBookmarks: true, labelSelector: ManagedBySelector.Value, resourceVersion: resourceVersion,
                    timeoutSeconds: timeoutSeconds, watch: true, cancellationToken: cancellationToken)
                .WatchAsync<V1ConfigMap, V1ConfigMapList>(onError, cancellationToken);
}

internal static class ManagedBySelector
{
    public const string Value = TaskRunLabels.ManagedBy + "=" + TaskRunLabels.ManagedByValue;
}
