using System.Net;
using System.Runtime.CompilerServices;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace TaskRun.Core.Config;

/// <summary>
/// The live controller config: list+watch of the one <c>taskrun-controller-config</c> ConfigMap in the system
/// namespace, shared by the webhook and the controller. <see cref="Current"/> is never null: built-in
/// defaults until the ConfigMap is seen, the last good config when an update is invalid (reported through
/// <see cref="Rejected"/>), and the defaults again when the ConfigMap is deleted (reported through
/// <see cref="Changed"/> with <see cref="ConfigOrigin.BuiltInDefaults"/>, so hosts can say so loudly).
/// Fail closed: when the stored config is invalid and this process has seen no good one, <see cref="Origin"/>
/// is <see cref="ConfigOrigin.Invalid"/> and <see cref="BlockedReason"/> says why; hosts then report not ready
/// and start nothing until a valid config (or none) appears. <see cref="Current"/> is the safe built-in
/// config meanwhile, never the admin's intent guessed.
/// </summary>
/// <remarks>
/// The watch (docs/design-decisions.md, "Controller runtime"): every watch passes <c>timeoutSeconds</c> and is also cancelled on the client
/// side a little later (the C# client has no timeout of its own, and a dropped TCP connection would otherwise
/// hang it forever); a stream that ends is restarted from the last resource version; <c>410 Gone</c>, which
/// arrives through the client's <c>onError</c> callback, forces a re-list; any other failure re-lists after
/// an exponential backoff. Time and delays come from the injected <see cref="TimeProvider"/>.
/// </remarks>
public sealed class ControllerConfigSource
{
    private readonly IConfigMapClient client;
    private readonly ControllerConfigSourceOptions options;
    private readonly TimeProvider time;
    private readonly TaskCompletionSource synced = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private volatile Snapshot snapshot = new(ControllerConfig.Default, ConfigOrigin.BuiltInDefaults, null, null);
    private string? lastRejectedData;

    public ControllerConfigSource(IConfigMapClient client, ControllerConfigSourceOptions options, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        this.client = client;
        this.options = options;
        this.time = time ?? TimeProvider.System;
    }

    public ControllerConfigSource(IKubernetes kubernetes, ControllerConfigSourceOptions options, TimeProvider? time = null)
        : this(new KubernetesConfigMapClient(kubernetes), options, time)
    {
    }

    /// <summary>The config to use now; never null.</summary>
    public ControllerConfig Current => snapshot.Config;

    /// <summary>Where <see cref="Current"/> came from.</summary>
    public ConfigOrigin Origin => snapshot.Origin;

    /// <summary>Why the stored config cannot be used and no good one is known (fail closed), or null.</summary>
    public string? BlockedReason => snapshot.Origin == ConfigOrigin.Invalid ? snapshot.Reason : null;

    /// <summary>The resource version of the ConfigMap <see cref="Current"/> was read from, if any.</summary>
    public string? ResourceVersion => snapshot.ResourceVersion;

    /// <summary>True once the first list finished (whatever it found).</summary>
    public bool HasSynced => synced.Task.IsCompleted;

    public string Namespace => options.Namespace;

    public string Name => options.Name;

    /// <summary>The config changed: a new valid ConfigMap, or the defaults after a delete. Raised on the watch loop.</summary>
    public event EventHandler<ConfigChangedEventArgs>? Changed;

    /// <summary>A ConfigMap with an invalid config was seen; <see cref="Current"/> keeps the last good config.</summary>
    public event EventHandler<ConfigRejectedEventArgs>? Rejected;

    /// <summary>Listing or watching failed; the source retries after <see cref="ConfigWatchFailedEventArgs.RetryIn"/>.</summary>
    public event EventHandler<ConfigWatchFailedEventArgs>? WatchFailed;

    /// <summary>Completes when the first list finished, or when <paramref name="cancellationToken"/> fires.</summary>
    public Task WaitForSyncAsync(CancellationToken cancellationToken = default) => synced.Task.WaitAsync(cancellationToken);

    /// <summary>Lists and watches until <paramref name="cancellationToken"/> fires; never throws anything else.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var failures = 0;
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                var resourceVersion = await ListAsync(cancellationToken);
                failures = 0;
                await WatchUntilRelistNeededAsync(resourceVersion, cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (IsRecoverable(e))
            {
                var delay = RetryDelay(failures++);
                RaiseSafely(WatchFailed, new ConfigWatchFailedEventArgs(e, delay));
                try
                {
                    await Task.Delay(delay, time, cancellationToken);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    private async Task<string> ListAsync(CancellationToken cancellationToken)
    {
        var listing = await client.ListAsync(options.Namespace, options.Name, cancellationToken);
        Apply(listing.ConfigMap);
        synced.TrySetResult();
        return listing.ResourceVersion;
    }

    /// <summary>Watches from <paramref name="resourceVersion"/>, restarting ended streams, until a re-list is needed.</summary>
    private async Task WatchUntilRelistNeededAsync(string resourceVersion, CancellationToken cancellationToken)
    {
        while (true)
        {
            Exception? streamError = null;
            var gone = false;
            void OnError(Exception e)
            {
                if (IsGone(e))
                {
                    gone = true;
                }
                else
                {
                    streamError ??= e;
                }
            }

            // The server ends the watch after timeoutSeconds; the client-side deadline catches a dead connection.
            using var deadline = new CancellationTokenSource(options.WatchTimeout + options.WatchTimeoutGrace, time);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
            try
            {
                var timeoutSeconds = (int)Math.Ceiling(options.WatchTimeout.TotalSeconds);
                await foreach (var (type, configMap) in client.WatchAsync(options.Namespace, options.Name, resourceVersion, timeoutSeconds, OnError, linked.Token)
                    .WithCancellation(linked.Token))
                {
                    if (configMap?.Metadata?.ResourceVersion is { Length: > 0 } version)
                    {
                        resourceVersion = version;
                    }

                    switch (type)
                    {
                        case WatchEventType.Added or WatchEventType.Modified when configMap?.Metadata?.Name == options.Name:
                            Apply(configMap);
                            break;
                        case WatchEventType.Deleted when configMap?.Metadata?.Name == options.Name:
                            Apply(null);
                            break;
                        default:
                            // Bookmarks only move the resource version; errors arrive through OnError.
                            break;
                    }
                }
            }
            catch (OperationCanceledException) when (deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                throw new TimeoutException($"the watch of ConfigMap {options.Namespace}/{options.Name} sent nothing for {options.WatchTimeout + options.WatchTimeoutGrace} after its timeout; reconnecting");
            }
            catch (HttpOperationException e) when (e.Response?.StatusCode == HttpStatusCode.Gone)
            {
                return;
            }

            if (gone)
            {
                // "too old resource version": events may have been lost, so read the current state again.
                return;
            }

            if (streamError is not null)
            {
                throw new IOException($"the watch of ConfigMap {options.Namespace}/{options.Name} failed: {streamError.Message}", streamError);
            }

            // A stream that ends is normal (timeoutSeconds); it does not reconnect by itself.
        }
    }

    private void Apply(V1ConfigMap? configMap)
    {
        var current = snapshot;
        if (configMap is null)
        {
            lastRejectedData = null;
            if (current.Origin == ConfigOrigin.BuiltInDefaults && HasSynced)
            {
                return;
            }

            if (current.Origin == ConfigOrigin.Invalid)
            {
                snapshot = new Snapshot(ControllerConfig.Default, ConfigOrigin.BuiltInDefaults, null, null);
                RaiseSafely(Changed, new ConfigChangedEventArgs(ControllerConfig.Default, ConfigOrigin.BuiltInDefaults, null,
                    $"the invalid ConfigMap {options.Namespace}/{options.Name} was deleted; using the built-in defaults"));
                return;
            }

            snapshot = new Snapshot(ControllerConfig.Default, ConfigOrigin.BuiltInDefaults, null, null);
            RaiseSafely(Changed, new ConfigChangedEventArgs(ControllerConfig.Default, ConfigOrigin.BuiltInDefaults, null,
                current.Origin == ConfigOrigin.ConfigMap
                    ? $"ConfigMap {options.Namespace}/{options.Name} was deleted; using the built-in defaults"
                    : $"ConfigMap {options.Namespace}/{options.Name} does not exist; using the built-in defaults"));
            return;
        }

        var resourceVersion = configMap.Metadata?.ResourceVersion;
        var data = DataOf(configMap);
        if (current.Origin is ConfigOrigin.ConfigMap or ConfigOrigin.Invalid && current.Data == data)
        {
            // Same content (a re-list, or a change to another key or to metadata): nothing to apply.
            snapshot = current with { ResourceVersion = resourceVersion };
            return;
        }

        var result = ControllerConfigParser.ParseConfigMapData(configMap.Data);
        if (!result.IsValid)
        {
            if (current.Origin != ConfigOrigin.ConfigMap)
            {
                // No good config seen by this process: do not guess, block until a valid one (or none) appears.
                snapshot = new Snapshot(ControllerConfig.Default, ConfigOrigin.Invalid, resourceVersion, data,
                    $"ConfigMap {options.Namespace}/{options.Name} (resourceVersion {resourceVersion}) is invalid and no earlier valid config is known: {string.Join("; ", result.Errors)}");
            }

            if (lastRejectedData != data)
            {
                lastRejectedData = data;
                RaiseSafely(Rejected, new ConfigRejectedEventArgs(result.Errors, configMap, current.Config, snapshot.Origin == ConfigOrigin.Invalid));
            }

            return;
        }

        lastRejectedData = null;
        snapshot = new Snapshot(result.Config!, ConfigOrigin.ConfigMap, resourceVersion, data);
        RaiseSafely(Changed, new ConfigChangedEventArgs(result.Config!, ConfigOrigin.ConfigMap, resourceVersion,
            $"applied ConfigMap {options.Namespace}/{options.Name} (resourceVersion {resourceVersion})"));
    }

    /// <summary>The compared content: the config key, or a marker for "no key" (which means all defaults).</summary>
    private static string DataOf(V1ConfigMap configMap) =>
        configMap.Data is not null && configMap.Data.TryGetValue(ControllerConfig.DataKey, out var yaml) ? "yaml:" + yaml : "none";

    private TimeSpan RetryDelay(int failures)
    {
        var delay = options.MinRetryDelay * Math.Pow(2, Math.Min(failures, 16));
        return delay > options.MaxRetryDelay ? options.MaxRetryDelay : delay;
    }

    private static bool IsGone(Exception e) => e switch
    {
        KubernetesException { Status.Code: (int)HttpStatusCode.Gone } => true,
        HttpOperationException { Response.StatusCode: HttpStatusCode.Gone } => true,
        _ => false,
    };

    private static bool IsRecoverable(Exception e) => e is not (OutOfMemoryException or StackOverflowException or AccessViolationException);

    /// <summary>A subscriber that throws must not stop the watch; its failure is reported through <see cref="WatchFailed"/>.</summary>
    private void RaiseSafely<T>(EventHandler<T>? handler, T args)
    {
        foreach (var subscriber in handler?.GetInvocationList().Cast<EventHandler<T>>() ?? [])
        {
            try
            {
                subscriber(this, args);
            }
            catch (Exception e) when (IsRecoverable(e))
            {
                if (args is not ConfigWatchFailedEventArgs)
                {
                    RaiseSafely(WatchFailed, new ConfigWatchFailedEventArgs(
                        new InvalidOperationException($"a config subscriber threw: {e.Message}", e), TimeSpan.Zero));
                }
            }
        }
    }

    private sealed record Snapshot(ControllerConfig Config, ConfigOrigin Origin, string? ResourceVersion, string? Data, string? Reason = null);
}

/// <summary>Where the live config came from.</summary>
public enum ConfigOrigin
{
    /// <summary>No ConfigMap (not created yet, or deleted): the built-in defaults.</summary>
    BuiltInDefaults,

    /// <summary>A valid <c>taskrun-controller-config</c> ConfigMap.</summary>
    ConfigMap,

    /// <summary>The ConfigMap is invalid and no valid one was seen since the process started: fail closed.</summary>
    Invalid,
}

public sealed class ControllerConfigSourceOptions
{
    /// <summary>The system namespace that holds the ConfigMap (<c>orchestrator</c> by default).</summary>
    public string Namespace { get; init; } = "orchestrator";

    public string Name { get; init; } = ControllerConfig.ConfigMapName;

    /// <summary>The server-side watch timeout (<c>timeoutSeconds</c>); the watch is then restarted.</summary>
    public TimeSpan WatchTimeout { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>How long after <see cref="WatchTimeout"/> a silent watch is abandoned on the client side.</summary>
    public TimeSpan WatchTimeoutGrace { get; init; } = TimeSpan.FromSeconds(30);

    public TimeSpan MinRetryDelay { get; init; } = TimeSpan.FromSeconds(1);

    public TimeSpan MaxRetryDelay { get; init; } = TimeSpan.FromSeconds(30);

    internal void Validate()
    {
        if (string.IsNullOrEmpty(Namespace) || string.IsNullOrEmpty(Name))
        {
            throw new ArgumentException("the config source needs a namespace and a ConfigMap name");
        }

        if (WatchTimeout < TimeSpan.FromSeconds(1) || WatchTimeoutGrace < TimeSpan.Zero || MinRetryDelay <= TimeSpan.Zero || MaxRetryDelay < MinRetryDelay)
        {
            throw new ArgumentException("watch timeout must be at least 1s, grace not negative, and 0 < MinRetryDelay <= MaxRetryDelay");
        }
    }
}

public sealed class ConfigChangedEventArgs(ControllerConfig config, ConfigOrigin origin, string? resourceVersion, string description) : EventArgs
{
    public ControllerConfig Config { get; } = config;

    public ConfigOrigin Origin { get; } = origin;

    public string? ResourceVersion { get; } = resourceVersion;

    /// <summary>What happened, for a log line.</summary>
    public string Description { get; } = description;
}

public sealed class ConfigRejectedEventArgs(IReadOnlyList<ConfigError> errors, V1ConfigMap configMap, ControllerConfig kept, bool blocked = false) : EventArgs
{
    /// <summary>True when no good config is known, so the process fails closed instead of keeping one.</summary>
    public bool Blocked { get; } = blocked;

    public IReadOnlyList<ConfigError> Errors { get; } = errors;

    /// <summary>The rejected ConfigMap (e.g. to attach a Warning Event to it).</summary>
    public V1ConfigMap ConfigMap { get; } = configMap;

    /// <summary>The config still in use.</summary>
    public ControllerConfig Kept { get; } = kept;

    public string Summary => string.Join("; ", Errors.Select(e => e.ToString()));
}

public sealed class ConfigWatchFailedEventArgs(Exception error, TimeSpan retryIn) : EventArgs
{
    public Exception Error { get; } = error;

    public TimeSpan RetryIn { get; } = retryIn;
}

/// <summary>The result of listing the config ConfigMap: the object (null when absent) and the list's resource version.</summary>
public sealed record ConfigMapListing(V1ConfigMap? ConfigMap, string ResourceVersion);

/// <summary>The two API calls <see cref="ControllerConfigSource"/> makes; a seam for unit tests.</summary>
public interface IConfigMapClient
{
    Task<ConfigMapListing> ListAsync(string namespaceName, string name, CancellationToken cancellationToken);

    /// <summary>
    /// Watches the named ConfigMap from <paramref name="resourceVersion"/>. The stream ends when the server closes
    /// it; errors sent inside the stream (e.g. <c>410 Gone</c>) are passed to <paramref name="onError"/>.
    /// </summary>
    IAsyncEnumerable<(WatchEventType Type, V1ConfigMap Object)> WatchAsync(
        string namespaceName, string name, string resourceVersion, int timeoutSeconds, Action<Exception> onError, CancellationToken cancellationToken);
}

/// <summary>The real <see cref="IConfigMapClient"/>: a field-selected list and watch through KubernetesClient.</summary>
public sealed class KubernetesConfigMapClient(IKubernetes kubernetes) : IConfigMapClient
{
    public async Task<ConfigMapListing> ListAsync(string namespaceName, string name, CancellationToken cancellationToken)
    {
        var list = await kubernetes.CoreV1.ListNamespacedConfigMapAsync(
            namespaceName, fieldSelector: FieldSelector(name), cancellationToken: cancellationToken);
        return new ConfigMapListing(list.Items?.FirstOrDefault(c => c.Metadata?.Name == name), list.Metadata?.ResourceVersion ?? "");
    }

    public async IAsyncEnumerable<(WatchEventType Type, V1ConfigMap Object)> WatchAsync(
        string namespaceName, string name, string resourceVersion, int timeoutSeconds, Action<Exception> onError,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var events = kubernetes.CoreV1.WatchListNamespacedConfigMapAsync(
            namespaceName,
            allowWatchBookmarks: true,
            fieldSelector: FieldSelector(name),
            resourceVersion: string.IsNullOrEmpty(resourceVersion) ? null : resourceVersion,
            timeoutSeconds: timeoutSeconds,
            onError: onError,
            cancellationToken: cancellationToken);
        await foreach (var (type, item) in events.WithCancellation(cancellationToken))
        {
            yield return (type, item);
        }
    }

    private static string FieldSelector(string name) => $"metadata.name={name}";
}
