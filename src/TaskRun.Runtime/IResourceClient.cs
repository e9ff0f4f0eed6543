using k8s;
using k8s.Models;

namespace TaskRun.Runtime;

/// <summary>A list and its resourceVersion, the point a watch continues from.</summary>
public sealed record ResourceList<T>(IReadOnlyList<T> Items, string ResourceVersion);

/// <summary>List and watch for one kind; the informer needs nothing else.</summary>
public interface IResourceClient<T> where T : IKubernetesObject<V1ObjectMeta>
{
    string Kind { get; }

    Task<ResourceList<T>> ListAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Watches from <paramref name="resourceVersion"/> with bookmarks and a server-side timeout. Error
    /// events (410 Gone among them) and undecodable events reach <paramref name="onError"/>.
    /// </summary>
    IAsyncEnumerable<(WatchEventType Type, T Object)> WatchAsync(
        string resourceVersion, int timeoutSeconds, Action<Exception> onError, CancellationToken cancellationToken);
}
