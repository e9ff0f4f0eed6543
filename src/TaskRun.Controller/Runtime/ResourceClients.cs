namespace TaskRun.Controller.Runtime;

/// <summary>The list+watch clients of the controller's children (Jobs, ConfigMaps), in all namespaces (null) or one; TaskRuns: <see cref="TaskRunResourceClient"/>.</summary>
public static class ResourceClients
{
    /// <summary>Jobs and ConfigMaps are selected by the managed-by label, so the caches hold only ours.</summary>
    public const string ManagedBySelector = TaskRunLabels.ManagedBy + "=" + TaskRunLabels.ManagedByValue;

    /// <summary>Jobs made by the controller; listed in pages, each slimmed by <paramref name="slim"/> first.</summary>
    public static IResourceClient<V1Job> Jobs(IKubernetes client, string? watchNamespace, Func<V1Job, V1Job> slim) =>
        new PagedResourceClient<V1Job>(
            ResourceClient.For<V1Job, V1JobList>(V1Job.KubeKind, (r, cancel) => watchNamespace is null
                ? client.BatchV1.ListJobForAllNamespacesWithHttpMessagesAsync(allowWatchBookmarks: r.AllowWatchBookmarks, labelSelector: ManagedBySelector,
                    resourceVersion: r.ResourceVersion, timeoutSeconds: r.TimeoutSeconds, watch: r.WatchFlag, cancellationToken: cancel)
                : client.BatchV1.ListNamespacedJobWithHttpMessagesAsync(watchNamespace, allowWatchBookmarks: r.AllowWatchBookmarks, labelSelector: ManagedBySelector,
                    resourceVersion: r.ResourceVersion, timeoutSeconds: r.TimeoutSeconds, watch: r.WatchFlag, cancellationToken: cancel)),
            async (token, cancel) =>
            {
                var list = watchNamespace is null
                    ? await client.BatchV1.ListJobForAllNamespacesAsync(continueParameter: token, labelSelector: ManagedBySelector,
                        limit: PagedList.PageSize, cancellationToken: cancel)
                    : await client.BatchV1.ListNamespacedJobAsync(watchNamespace, continueParameter: token, labelSelector: ManagedBySelector,
                        limit: PagedList.PageSize, cancellationToken: cancel);
                return new Page<V1Job>(list.Items, list.Metadata.ContinueProperty, list.Metadata.ResourceVersion);
            },
            slim);

    /// <summary>
    /// ConfigMaps made by the controller (the run files), as metadata only: they are watched just to find their owner
    /// TaskRun, and their data (the task's files) would otherwise cross the wire and be parsed on every list and
    /// event. The API server (meta.k8s.io/v1 since Kubernetes 1.15) answers these Accept headers with
    /// PartialObjectMetadata(List); one that does not falls back to full objects (the trailing plain
    /// <c>application/json</c>), which <paramref name="slim"/> then strips. Listed in pages like the other kinds, so
    /// a fallback to full objects holds one page of files at a time, not all of them. An empty PartialObjectMetadataList has no items.
    /// </summary>
    public static IResourceClient<V1ConfigMap> ConfigMaps(IKubernetes client, string? watchNamespace, Func<V1ConfigMap, V1ConfigMap> slim) =>
        new PagedResourceClient<V1ConfigMap>(
            new ResourceClient<V1ConfigMap, V1ConfigMapList>(V1ConfigMap.KubeKind, (r, cancel) => watchNamespace is null
                ? client.CoreV1.ListConfigMapForAllNamespacesWithHttpMessagesAsync(allowWatchBookmarks: r.AllowWatchBookmarks, labelSelector: ManagedBySelector,
                    resourceVersion: r.ResourceVersion, timeoutSeconds: r.TimeoutSeconds, watch: r.WatchFlag, customHeaders: MetadataOnly(r), cancellationToken: cancel)
                : client.CoreV1.ListNamespacedConfigMapWithHttpMessagesAsync(watchNamespace, allowWatchBookmarks: r.AllowWatchBookmarks, labelSelector: ManagedBySelector,
                    resourceVersion: r.ResourceVersion, timeoutSeconds: r.TimeoutSeconds, watch: r.WatchFlag, customHeaders: MetadataOnly(r), cancellationToken: cancel),
                list => new ResourceList<V1ConfigMap>(list.Items?.ToList() ?? [], list.Metadata.ResourceVersion)),
            async (token, cancel) =>
            {
                using var response = watchNamespace is null
                    ? await client.CoreV1.ListConfigMapForAllNamespacesWithHttpMessagesAsync(continueParameter: token, labelSelector: ManagedBySelector,
                        limit: PagedList.PageSize, customHeaders: MetadataListAccept, cancellationToken: cancel)
                    : await client.CoreV1.ListNamespacedConfigMapWithHttpMessagesAsync(watchNamespace, continueParameter: token, labelSelector: ManagedBySelector,
                        limit: PagedList.PageSize, customHeaders: MetadataListAccept, cancellationToken: cancel);
                var list = response.Body;
                return new Page<V1ConfigMap>(list.Items ?? [], list.Metadata.ContinueProperty, list.Metadata.ResourceVersion);
            },
            slim);

    private static readonly IReadOnlyDictionary<string, IReadOnlyList<string>> MetadataListAccept = new Dictionary<string, IReadOnlyList<string>>
    {
        ["Accept"] = ["application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1", "application/json"],
    };

    private static readonly IReadOnlyDictionary<string, IReadOnlyList<string>> MetadataWatchAccept = new Dictionary<string, IReadOnlyList<string>>
    {
        ["Accept"] = ["application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1", "application/json"],
    };

    /// <summary>A list answers with a PartialObjectMetadataList; a watch's events carry PartialObjectMetadata.</summary>
    private static IReadOnlyDictionary<string, IReadOnlyList<string>> MetadataOnly(ListRequest request) =>
        request.Watch ? MetadataWatchAccept : MetadataListAccept;
}
