using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using k8s;
using k8s.Models;

namespace TaskRun.Runtime.Tests.Fakes;

/// <summary>
/// A hand-written <see cref="IResourceClient{T}"/> of ConfigMaps driven by a script: each list returns the next
/// scripted list (or throws), each watch plays the next scripted stream and ends; once the script runs out, a
/// list returns an empty list and a watch waits for cancellation, parking the informer so the test can look.
/// </summary>
internal sealed class ScriptedResourceClient : IResourceClient<V1ConfigMap>
{
    private readonly ConcurrentQueue<Func<ResourceList<V1ConfigMap>>> lists = new();
    private readonly ConcurrentQueue<Func<Action<Exception>, CancellationToken, IAsyncEnumerable<(WatchEventType, V1ConfigMap)>>> watches = new();
    private readonly ConcurrentQueue<(string ResourceVersion, int TimeoutSeconds)> watchCalls = new();
    private int listCalls;

    public string Kind => V1ConfigMap.KubeKind;

    public int ListCalls => Volatile.Read(ref listCalls);

    /// <summary>The resourceVersion and timeoutSeconds of every watch opened, in order.</summary>
    public IReadOnlyList<(string ResourceVersion, int TimeoutSeconds)> WatchCalls => [.. watchCalls];

    public ScriptedResourceClient List(string resourceVersion, params V1ConfigMap[] items)
    {
        lists.Enqueue(() => new ResourceList<V1ConfigMap>(items, resourceVersion));
        return this;
    }

    public ScriptedResourceClient ListFails(Exception error)
    {
        lists.Enqueue(() => throw error);
        return this;
    }

    /// <summary>A watch that sends these events, then ends (as when the server's timeoutSeconds runs out).</summary>
    public ScriptedResourceClient Watch(params (WatchEventType Type, V1ConfigMap Object)[] events)
    {
        watches.Enqueue((_, cancel) => PlayAsync(events, null, cancel));
        return this;
    }

    /// <summary>A watch that sends these events, then reports an error through onError (as the client does for 410 Gone).</summary>
    public ScriptedResourceClient WatchThenError(Exception error, params (WatchEventType Type, V1ConfigMap Object)[] events)
    {
        watches.Enqueue((onError, cancel) => PlayAsync(events, () => onError(error), cancel));
        return this;
    }

    /// <summary>A watch whose request fails (an HTTP error answer, a refused connection).</summary>
    public ScriptedResourceClient WatchFails(Exception error)
    {
        watches.Enqueue((_, _) => throw error);
        return this;
    }

    /// <summary>A watch that never sends anything (a dead connection).</summary>
    public ScriptedResourceClient WatchHangs()
    {
        watches.Enqueue((_, cancel) => ParkAsync(cancel));
        return this;
    }

    public Task<ResourceList<V1ConfigMap>> ListAsync(CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref listCalls);
        return lists.TryDequeue(out var next)
            ? Task.FromResult(next())
            : Task.FromResult(new ResourceList<V1ConfigMap>([], "1"));
    }

    public IAsyncEnumerable<(WatchEventType Type, V1ConfigMap Object)> WatchAsync(
        string resourceVersion, int timeoutSeconds, Action<Exception> onError, CancellationToken cancellationToken)
    {
        watchCalls.Enqueue((resourceVersion, timeoutSeconds));
        return watches.TryDequeue(out var next) ? next(onError, cancellationToken) : ParkAsync(cancellationToken);
    }

    public static V1ConfigMap Object(string name, string resourceVersion, string? value = null) => new()
    {
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = "ns", ResourceVersion = resourceVersion },
        Data = value is null ? null : new Dictionary<string, string> { ["value"] = value },
    };

    public static V1ConfigMap Bookmark(string resourceVersion) => new() { Metadata = new V1ObjectMeta { ResourceVersion = resourceVersion } };

    private static async IAsyncEnumerable<(WatchEventType, V1ConfigMap)> PlayAsync(
        (WatchEventType, V1ConfigMap)[] events, Action? then, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        foreach (var item in events)
        {
            cancellationToken.ThrowIfCancellationRequested();
            await Task.Yield();
            yield return item;
        }

        then?.Invoke();
    }

    private static async IAsyncEnumerable<(WatchEventType, V1ConfigMap)> ParkAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await Task.Delay(Timeout.Infinite, cancellationToken);
        yield break;
    }
}
