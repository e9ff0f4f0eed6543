using k8s;
using k8s.Autorest;
using k8s.Models;

// WatchAsync over a list call is marked obsolete in favour of generated per-kind watch methods that do not exist for
// every kind (custom objects among them); it is the same enumerator underneath (error events reach onError).
#pragma warning disable CS0618

namespace TaskRun.Runtime;

/// <summary>
/// What one call of a generated list method asks for: a plain list, or a watch with bookmarks from a
/// resourceVersion with a server-side timeout. The nullable properties go straight into the generated method.
/// </summary>
public sealed record ListRequest(bool Watch, string? ResourceVersion = null, int? TimeoutSeconds = null)
{
    public bool? WatchFlag => Watch ? true : null;

    /// <summary>Bookmarks move a watch's resourceVersion on without an event, so a re-watch rarely meets 410 Gone.</summary>
    public bool? AllowWatchBookmarks => Watch ? true : null;
}

/// <summary>
/// An <see cref="IResourceClient{T}"/> over one generated list method (<c>List…WithHttpMessagesAsync</c>), which the
/// Kubernetes client uses for both list and watch: callers name the method and its selectors, nothing else.
/// </summary>
public sealed class ResourceClient<T, TList>(
    string kind,
    Func<ListRequest, CancellationToken, Task<HttpOperationResponse<TList>>> call,
    Func<TList, ResourceList<T>> read) : IResourceClient<T>
    where T : IKubernetesObject<V1ObjectMeta>
{
    public string Kind => kind;

    public async Task<ResourceList<T>> ListAsync(CancellationToken cancellationToken)
    {
        using var response = await call(new ListRequest(Watch: false), cancellationToken);
        return read(response.Body);
    }

    public IAsyncEnumerable<(WatchEventType Type, T Object)> WatchAsync(
        string resourceVersion, int timeoutSeconds, Action<Exception> onError, CancellationToken cancellationToken) =>
        call(new ListRequest(Watch: true, resourceVersion, timeoutSeconds), cancellationToken).WatchAsync<T, TList>(onError, cancellationToken);
}

public static class ResourceClient
{
    /// <summary>A client for a built-in kind, whose list type carries the items and the list's resourceVersion.</summary>
    public static ResourceClient<T, TList> For<T, TList>(string kind, Func<ListRequest, CancellationToken, Task<HttpOperationResponse<TList>>> call)
        where T : IKubernetesObject<V1ObjectMeta>
        where TList : IKubernetesObject<V1ListMeta>, IItems<T> =>
        new(kind, call, list => new ResourceList<T>(list.Items.ToList(), list.Metadata.ResourceVersion));
}
