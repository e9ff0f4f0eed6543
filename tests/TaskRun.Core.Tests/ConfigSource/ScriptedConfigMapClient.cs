using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using k8s;
using k8s.Models;
using NSubstitute;
using TaskRun.Core.Config;
using TaskRun.Runtime;

namespace TaskRun.Core.Tests.ConfigSource;

/// <summary>
/// An NSubstitute <see cref="IResourceClient{T}"/> of ConfigMaps driven by a script: each list returns the next listing (or
/// throws), each watch plays the next scripted stream; when the script runs out a watch waits for cancellation,
/// parking the source so the test can look at it.
/// </summary>
internal sealed class ScriptedConfigMapClient
{
    public const string Namespace = "orchestrator";
    public const string Name = "taskrun-controller-config";

    private readonly ConcurrentQueue<Func<ResourceList<V1ConfigMap>>> lists = new();
    private readonly ConcurrentQueue<Func<Action<Exception>, CancellationToken, IAsyncEnumerable<(WatchEventType, V1ConfigMap)>>> watches = new();

    public ScriptedConfigMapClient()
    {
        Client = Substitute.For<IResourceClient<V1ConfigMap>>();
        Client.Kind.Returns(V1ConfigMap.KubeKind);
        Client.ListAsync(Arg.Any<CancellationToken>())
            .Returns(_ => lists.TryDequeue(out var next) ? Task.FromResult(next()) : Task.FromResult(Listing(null, "1")));
        Client.WatchAsync(Arg.Any<string>(), Arg.Any<int>(), Arg.Any<Action<Exception>>(), Arg.Any<CancellationToken>())
            .Returns(call => watches.TryDequeue(out var next)
                ? next(call.ArgAt<Action<Exception>>(2), call.ArgAt<CancellationToken>(3))
                : Park(call.ArgAt<CancellationToken>(3)));
    }

    public IResourceClient<V1ConfigMap> Client { get; }

    public ScriptedConfigMapClient List(V1ConfigMap? configMap, string resourceVersion = "10")
    {
        lists.Enqueue(() => Listing(configMap, resourceVersion));
        return this;
    }

    public ScriptedConfigMapClient ListFails(Exception error)
    {
        lists.Enqueue(() => throw error);
        return this;
    }

    /// <summary>A watch that sends these events and then ends, as when the server's timeoutSeconds runs out.</summary>
    public ScriptedConfigMapClient Watch(params (WatchEventType Type, V1ConfigMap Object)[] events)
    {
        watches.Enqueue((_, cancel) => Play(events, null, cancel));
        return this;
    }

    /// <summary>A watch that sends these events, reports an error through onError (as the client does for 410 Gone), then ends.</summary>
    public ScriptedConfigMapClient WatchThenError(Exception error, params (WatchEventType Type, V1ConfigMap Object)[] events)
    {
        watches.Enqueue((onError, cancel) => Play(events, () => onError(error), cancel));
        return this;
    }

    /// <summary>A watch whose start throws (e.g. an HTTP 410 or a refused connection).</summary>
    public ScriptedConfigMapClient WatchFails(Exception error)
    {
        watches.Enqueue((_, _) => throw error);
        return this;
    }

    /// <summary>A watch that never sends anything (a dead connection).</summary>
    public ScriptedConfigMapClient WatchHangs()
    {
        watches.Enqueue((_, cancel) => Park(cancel));
        return this;
    }

    public static V1ConfigMap ConfigMap(string? yaml, string resourceVersion, string name = Name) => new()
    {
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = Namespace, ResourceVersion = resourceVersion, Uid = "0f0e0d0c-0000-0000-0000-000000000001" },
        Data = yaml is null ? null : new Dictionary<string, string> { [ControllerConfig.DataKey] = yaml },
    };

    private static ResourceList<V1ConfigMap> Listing(V1ConfigMap? configMap, string resourceVersion) =>
        new(configMap is null ? [] : [configMap], resourceVersion);

    public static V1ConfigMap Bookmark(string resourceVersion) => new() { Metadata = new V1ObjectMeta { ResourceVersion = resourceVersion } };

    private static async IAsyncEnumerable<(WatchEventType, V1ConfigMap)> Play(
        (WatchEventType, V1ConfigMap)[] events, Action? then, [EnumeratorCancellation] CancellationToken cancel)
    {
        foreach (var item in events)
        {
            cancel.ThrowIfCancellationRequested();
            await Task.Yield();
            yield return item;
        }

        then?.Invoke();
    }

    private static async IAsyncEnumerable<(WatchEventType, V1ConfigMap)> Park([EnumeratorCancellation] CancellationToken cancel)
    {
        await Task.Delay(Timeout.Infinite, cancel);
        yield break;
    }
}
