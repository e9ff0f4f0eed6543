using System.Text.Json;
using k8s;
using k8s.Models;
using TaskRun.Core.Api;
using TaskRun.Core.Serialization;
using TaskRun.Runtime;

namespace TaskRun.Controller.Runtime;

/// <summary>The list+watch clients of the kinds the controller caches, in all namespaces (null) or one.</summary>
public static class ResourceClients
{
    /// <summary>Jobs and ConfigMaps are selected by the managed-by label, so the caches hold only ours.</summary>
    public const string ManagedBySelector = TaskRunLabels.ManagedBy + "=" + TaskRunLabels.ManagedByValue;

    /// <summary>TaskRuns in v2, the version the controller reads.</summary>
    public static IResourceClient<V2TaskRun> TaskRuns(IKubernetes client, string? watchNamespace) =>
        new ResourceClient<V2TaskRun, object>(TaskRunApi.Kind, (r, cancel) => watchNamespace is null
            ? client.CustomObjects.ListClusterCustomObjectWithHttpMessagesAsync(TaskRunApi.Group, TaskRunApi.V2, TaskRunApi.Plural,
                allowWatchBookmarks: r.AllowWatchBookmarks, resourceVersion: r.ResourceVersion, timeoutSeconds: r.TimeoutSeconds, watch: r.WatchFlag, cancellationToken: cancel)
            : client.CustomObjects.ListNamespacedCustomObjectWithHttpMessagesAsync(TaskRunApi.Group, TaskRunApi.V2, watchNamespace, TaskRunApi.Plural,
                allowWatchBookmarks: r.AllowWatchBookmarks, resourceVersion: r.ResourceVersion, timeoutSeconds: r.TimeoutSeconds, watch: r.WatchFlag, cancellationToken: cancel),
            body =>
            {
                var list = KubeJson.Deserialize<V2TaskRunList>((JsonElement)body)!;
                return new(list.Items.ToList(), list.Metadata.ResourceVersion);
            });

    /// <summary>Jobs made by the controller.</summary>
    public static IResourceClient<V1Job> Jobs(IKubernetes client, string? watchNamespace) =>
        ResourceClient.For<V1Job, V1JobList>(V1Job.KubeKind, (r, cancel) => watchNamespace is null
            ? client.BatchV1.ListJobForAllNamespacesWithHttpMessagesAsync(allowWatchBookmarks: r.AllowWatchBookmarks, labelSelector: ManagedBySelector,
                resourceVersion: r.ResourceVersion, timeoutSeconds: r.TimeoutSeconds, watch: r.WatchFlag, cancellationToken: cancel)
            : client.BatchV1.ListNamespacedJobWithHttpMessagesAsync(watchNamespace, allowWatchBookmarks: r.AllowWatchBookmarks, labelSelector: ManagedBySelector,
                resourceVersion: r.ResourceVersion, timeoutSeconds: r.TimeoutSeconds, watch: r.WatchFlag, cancellationToken: cancel));

    /// <summary>ConfigMaps made by the controller (the run files).</summary>
    public static IResourceClient<V1ConfigMap> ConfigMaps(IKubernetes client, string? watchNamespace) =>
        ResourceClient.For<V1ConfigMap, V1ConfigMapList>(V1ConfigMap.KubeKind, (r, cancel) => watchNamespace is null
            ? client.CoreV1.ListConfigMapForAllNamespacesWithHttpMessagesAsync(allowWatchBookmarks: r.AllowWatchBookmarks, labelSelector: ManagedBySelector,
                resourceVersion: r.ResourceVersion, timeoutSeconds: r.TimeoutSeconds, watch: r.WatchFlag, cancellationToken: cancel)
            : client.CoreV1.ListNamespacedConfigMapWithHttpMessagesAsync(watchNamespace, allowWatchBookmarks: r.AllowWatchBookmarks, labelSelector: ManagedBySelector,
                resourceVersion: r.ResourceVersion, timeoutSeconds: r.TimeoutSeconds, watch: r.WatchFlag, cancellationToken: cancel));
}
