using System.Text.Json;
using k8s;
using TaskRun.Core.Serialization;
using TaskRun.Runtime;

namespace TaskRun.Core.Api;

/// <summary>List+watch of v2 TaskRuns for an informer, in every namespace (null) or one; the controller and the webhook both cache TaskRuns through it.</summary>
public static class TaskRunResourceClient
{
    /// <summary>
    /// Listed in pages (<see cref="PagedList"/>) without the files' contents and managedFields, each object slimmed by <paramref name="slim"/> before the
    /// next page is read; watch events carry whole objects.
    /// </summary>
    public static IResourceClient<V2TaskRun> Create(IKubernetes client, string? watchNamespace, Func<V2TaskRun, V2TaskRun> slim)
    {
        ArgumentNullException.ThrowIfNull(client);
        return new PagedResourceClient<V2TaskRun>(
            new ResourceClient<V2TaskRun, object>(TaskRunApi.Kind, (r, cancel) => watchNamespace is null
                ? client.CustomObjects.ListClusterCustomObjectWithHttpMessagesAsync(TaskRunApi.Group, TaskRunApi.V2, TaskRunApi.Plural,
                    allowWatchBookmarks: r.AllowWatchBookmarks, resourceVersion: r.ResourceVersion, timeoutSeconds: r.TimeoutSeconds, watch: r.WatchFlag, cancellationToken: cancel)
                : client.CustomObjects.ListNamespacedCustomObjectWithHttpMessagesAsync(TaskRunApi.Group, TaskRunApi.V2, watchNamespace, TaskRunApi.Plural,
                    allowWatchBookmarks: r.AllowWatchBookmarks, resourceVersion: r.ResourceVersion, timeoutSeconds: r.TimeoutSeconds, watch: r.WatchFlag, cancellationToken: cancel),
                body =>
                {
                    var list = ReadList(body);
                    return new(list.Items.ToList(), list.Metadata.ResourceVersion);
                }),
            // Pages are read typed, straight from the response stream: an untyped body is a JsonElement, for which the
            // serializer first buffers the whole page (500 TaskRuns with their files, several MB) in one pooled array
            // that the shared pool then keeps; a cold start on 10,000 TaskRuns held dozens of 8 MiB arrays that way.
            // The files' contents and managedFields are skipped as they stream past (TaskRunListForCache): no cache keeps them.
            async (token, cancel) =>
            {
                var list = watchNamespace is null
                    ? await client.CustomObjects.ListClusterCustomObjectAsync<TaskRunListForCache>(TaskRunApi.Group, TaskRunApi.V2, TaskRunApi.Plural,
                        continueParameter: token, limit: PagedList.PageSize, cancellationToken: cancel)
                    : await client.CustomObjects.ListNamespacedCustomObjectAsync<TaskRunListForCache>(TaskRunApi.Group, TaskRunApi.V2, watchNamespace, TaskRunApi.Plural,
                        continueParameter: token, limit: PagedList.PageSize, cancellationToken: cancel);
                return new Page<V2TaskRun>((list.Items ?? []).Select(item => item.TaskRun), list.Metadata.ContinueProperty, list.Metadata.ResourceVersion);
            },
            slim);
    }

    /// <summary>The custom objects API answers with an untyped body: a JsonElement of the list.</summary>
    private static V2TaskRunList ReadList(object body) => KubeJson.Deserialize<V2TaskRunList>((JsonElement)body)!;
}
