using k8s;
using k8s.Models;

namespace TaskRun.Runtime;

/// <summary>
/// A list read in pages (limit + continue), each page slimmed before the next is read. One unpaged list of 10,000
/// TaskRuns is the whole set with every file's contents in memory at once (hundreds of MiB for a few KB of files
/// each), which a restarted controller would need just to start; paged, the peak is one page. The pages are one
/// consistent snapshot (the API server serves every continue from the first page's resourceVersion).
/// </summary>
public static class PagedList
{
    /// <summary>Objects per page: small enough to bound memory, large enough that 10,000 objects take 20 round trips.</summary>
    public const int PageSize = 500;

    /// <param name="readPage">Reads the page after the given continue token (null: the first) with <see cref="PageSize"/> as its limit.</param>
    /// <param name="slim">What of each object is kept.</param>
    public static async Task<ResourceList<T>> ReadAsync<T>(Func<string?, Task<Page<T>>> readPage, Func<T, T> slim)
    {
        ArgumentNullException.ThrowIfNull(readPage);
        ArgumentNullException.ThrowIfNull(slim);
        var items = new List<T>();
        string? token = null;
        string resourceVersion;
        do
        {
            var page = await readPage(token);
            items.AddRange(page.Items.Select(slim));
            resourceVersion = page.ResourceVersion;
            token = page.Continue;
        }
        while (!string.IsNullOrEmpty(token));

        return new(items, resourceVersion);
    }
}

/// <summary>One page of a list: its items, the token for the next page (null or empty: the last) and the list's resourceVersion.</summary>
public sealed record Page<T>(IEnumerable<T> Items, string? Continue, string ResourceVersion);

/// <summary>
/// Lists in pages (<see cref="PagedList"/>), each object slimmed and without its managedFields before the next page is
/// read; watches through <paramref name="watcher"/>. The cache drops managedFields too, but only once the whole list is
/// in: until then each object's entries (a JsonDocument apiece, the largest part of a Job's metadata) would stay live.
/// </summary>
public sealed class PagedResourceClient<T>(IResourceClient<T> watcher, Func<string?, CancellationToken, Task<Page<T>>> readPage, Func<T, T> slim)
    : IResourceClient<T>
    where T : IKubernetesObject<V1ObjectMeta>
{
    public string Kind => watcher.Kind;

    public Task<ResourceList<T>> ListAsync(CancellationToken cancellationToken) =>
        PagedList.ReadAsync(token => readPage(token, cancellationToken), obj => slim(WithoutManagedFields(obj)));

    private static T WithoutManagedFields(T obj)
    {
        if (obj.Metadata is { } metadata)
        {
            metadata.ManagedFields = null;
        }

        return obj;
    }

    public IAsyncEnumerable<(WatchEventType Type, T Object)> WatchAsync(
        string resourceVersion, int timeoutSeconds, Action<Exception> onError, CancellationToken cancellationToken) =>
        watcher.WatchAsync(resourceVersion, timeoutSeconds, onError, cancellationToken);
}
