using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using TaskRun.Runtime;

namespace TaskRun.Core.Config;

/// <summary>
/// The live controller config: an informer on the one <c>taskrun-controller-config</c> ConfigMap in the system
/// namespace (a field selector on its name), shared by the webhook and the controller. <see cref="Current"/> is
/// never null: built-in defaults until the ConfigMap is seen, the last good config when an update is invalid
/// (reported through <see cref="Rejected"/>), and the defaults again when the ConfigMap is deleted (reported
/// through <see cref="Changed"/> with <see cref="ConfigOrigin.BuiltInDefaults"/>, so hosts can say so loudly).
/// Fail closed: when the stored config is invalid and this process has seen no good one, <see cref="Origin"/>
/// is <see cref="ConfigOrigin.Invalid"/> and <see cref="BlockedReason"/> says why; hosts then report not ready
/// and start nothing until a valid config (or none) appears. <see cref="Current"/> is the safe built-in
/// config meanwhile, never the admin's intent guessed.
/// </summary>
/// <remarks>
/// List, watch, re-watch from the last resourceVersion, re-list on 410 Gone, timeouts and backoff with jitter
/// are the <see cref="Informer{T}"/>'s (TaskRun.Runtime); this class only parses and applies what it sees.
/// </remarks>
public sealed class ControllerConfigSource
{
    private readonly Informer<V1ConfigMap> informer;
    private readonly ControllerConfigSourceOptions options;
    private readonly ObjectKey key;
    private readonly ILogger logger;
    private readonly TaskCompletionSource synced = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private volatile Snapshot snapshot = new(ControllerConfig.Default, ConfigOrigin.BuiltInDefaults, null, null);
    private string? lastRejectedData;

    public ControllerConfigSource(IResourceClient<V1ConfigMap> client, ControllerConfigSourceOptions options, TimeProvider? time = null, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        this.options = options;
        key = new ObjectKey(options.Namespace, options.Name);
        this.logger = logger ?? NullLogger.Instance;
        informer = new Informer<V1ConfigMap>(client, options.Informer(), time ?? TimeProvider.System, new Random(), this.logger);
        informer.Changed += (old, current) => OnChanged(current ?? old, deleted: current is null);
        informer.Listed += _ => OnListed();
        informer.Failed += (error, retryIn) => RaiseSafely(WatchFailed, new ConfigWatchFailedEventArgs(error, retryIn));
    }

    public ControllerConfigSource(IKubernetes kubernetes, ControllerConfigSourceOptions options, TimeProvider? time = null, ILogger? logger = null)
        : this(ConfigMapClient(kubernetes, options), options, time, logger)
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

    /// <summary>Listing or watching failed; the informer retries after <see cref="ConfigWatchFailedEventArgs.RetryIn"/>.</summary>
    public event EventHandler<ConfigWatchFailedEventArgs>? WatchFailed;

    /// <summary>Completes when the first list finished, or when <paramref name="cancellationToken"/> fires.</summary>
    public Task WaitForSyncAsync(CancellationToken cancellationToken = default) => synced.Task.WaitAsync(cancellationToken);

    /// <summary>Lists and watches until <paramref name="cancellationToken"/> fires; never throws anything else.</summary>
    public Task RunAsync(CancellationToken cancellationToken) => informer.RunAsync(cancellationToken);

    /// <summary>The one ConfigMap, by a field selector on its name, in the system namespace.</summary>
    public static IResourceClient<V1ConfigMap> ConfigMapClient(IKubernetes kubernetes, ControllerConfigSourceOptions options)
    {
        ArgumentNullException.ThrowIfNull(kubernetes);
        ArgumentNullException.ThrowIfNull(options);
        var fieldSelector = $"metadata.name={options.Name}";
        return ResourceClient.For<V1ConfigMap, V1ConfigMapList>(V1ConfigMap.KubeKind, (r, cancel) =>
            kubernetes.CoreV1.ListNamespacedConfigMapWithHttpMessagesAsync(options.Namespace, allowWatchBookmarks: r.AllowWatchBookmarks,
                fieldSelector: fieldSelector, resourceVersion: r.ResourceVersion, timeoutSeconds: r.TimeoutSeconds, watch: r.WatchFlag, cancellationToken: cancel));
    }

    private void OnChanged(V1ConfigMap? configMap, bool deleted)
    {
        if (configMap?.Metadata?.Name != options.Name)
        {
            return;
        }

        Apply(deleted ? null : configMap);
    }

    /// <summary>A list that did not find the ConfigMap means the defaults (said once); the first list syncs the source.</summary>
    private void OnListed()
    {
        if (informer.Cache.Get(key) is null)
        {
            Apply(null);
        }

        synced.TrySetResult();
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
                logger.LogWarning(e, "a subscriber of config {Namespace}/{Name} failed", options.Namespace, options.Name);
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

    /// <summary>The informer's timings: the same watch timeout and grace, and the retry delays (with jitter).</summary>
    internal InformerOptions Informer() => new()
    {
        WatchTimeoutSeconds = (int)Math.Ceiling(WatchTimeout.TotalSeconds),
        IdleGrace = WatchTimeoutGrace,
        RetryBaseDelay = MinRetryDelay,
        RetryMaxDelay = MaxRetryDelay,
    };

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
