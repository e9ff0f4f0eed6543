using System.Net;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Microsoft.Extensions.Options;
using TaskRun.Core.Config;
using TaskRun.Core.Validation;
using TaskRun.Webhook.Hosting;
using TaskRun.Webhook.Observability;

namespace TaskRun.Webhook.Config;

/// <summary>The controller config the handlers use now, and the validation policy derived from it.</summary>
internal interface ILiveConfig
{
    ControllerConfig Current { get; }

    ValidationPolicy Policy { get; }

    ConfigOrigin Origin { get; }

    /// <summary>The namespace whose <c>taskrun-controller-config</c> is the config (the system namespace).</summary>
    string Namespace { get; }

    /// <summary>Why the stored config is invalid with no good one known (TaskRun admission fails closed), or null.</summary>
    string? BlockedReason => null;
}

/// <summary>The built-in defaults, never changing: the webhook with <c>WatchConfig</c> off.</summary>
internal sealed class StaticConfig(string configNamespace) : ILiveConfig
{
    public ControllerConfig Current => ControllerConfig.Default;

    public ValidationPolicy Policy { get; } = PolicyOf(ControllerConfig.Default);

    public ConfigOrigin Origin => ConfigOrigin.BuiltInDefaults;

    public string Namespace => configNamespace;

    public static ValidationPolicy PolicyOf(ControllerConfig config) => ValidationPolicy.From(config);
}

/// <summary>
/// Runs a <see cref="ControllerConfigSource"/> for the webhook: the limits and policies follow the ConfigMap
/// with no restart. Every change is logged, counted and (for an invalid config) reported as a Warning Event on
/// the ConfigMap; the deletion of the ConfigMap is logged as a warning, since it silently changes behaviour.
/// </summary>
internal sealed class LiveConfig : BackgroundService, ILiveConfig
{
    private readonly ControllerConfigSource source;
    private readonly IKubernetes client;
    private readonly WebhookOptions options;
    private readonly WebhookMetrics metrics;
    private readonly ILogger<LiveConfig> logger;
    private readonly TimeProvider time;
    private volatile ValidationPolicy policy = StaticConfig.PolicyOf(ControllerConfig.Default);

    public LiveConfig(IKubernetes client, IOptions<WebhookOptions> options, WebhookMetrics metrics, ILogger<LiveConfig> logger, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(options);
        this.client = client;
        this.options = options.Value;
        this.metrics = metrics;
        this.logger = logger;
        this.time = time;
        source = new ControllerConfigSource(client, new ControllerConfigSourceOptions { Namespace = this.options.ConfigNamespace }, time);
        source.Changed += OnChanged;
        source.Rejected += OnRejected;
        source.WatchFailed += OnWatchFailed;
    }

    public ControllerConfig Current => source.Current;

    public ValidationPolicy Policy => policy;

    public ConfigOrigin Origin => source.Origin;

    public string Namespace => options.ConfigNamespace;

    public string? BlockedReason => source.BlockedReason;

    public bool HasSynced => source.HasSynced;

    /// <summary>A new config (or the built-in defaults) is in effect: for what follows it besides admission, e.g. tracing.</summary>
    public event EventHandler<ConfigChangedEventArgs>? Changed
    {
        add => source.Changed += value;
        remove => source.Changed -= value;
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken) => source.RunAsync(stoppingToken);

    private void OnChanged(object? sender, ConfigChangedEventArgs e)
    {
        policy = StaticConfig.PolicyOf(e.Config);
        metrics.ConfigValid.Set(1);
        if (e.Origin == ConfigOrigin.BuiltInDefaults)
        {
            metrics.ConfigUpdates.WithLabels("defaults").Inc();
            logger.LogWarning("Controller config: {Description} (limits.maxFileBytes {MaxFileBytes}, agent.allowOverrides {AllowOverrides})",
                e.Description, e.Config.Limits.MaxFileBytes, e.Config.Agent.AllowOverrides);
            return;
        }

        metrics.ConfigUpdates.WithLabels("applied").Inc();
        logger.LogInformation("Controller config: {Description} (limits.maxFileBytes {MaxFileBytes}, agent.allowOverrides {AllowOverrides})",
            e.Description, e.Config.Limits.MaxFileBytes, e.Config.Agent.AllowOverrides);
    }

    private void OnRejected(object? sender, ConfigRejectedEventArgs e)
    {
        metrics.ConfigUpdates.WithLabels("rejected").Inc();
        if (e.Blocked)
        {
            // Fail closed: the built-in (safe) policy would be a guess at the admin's intent; TaskRun admission is refused instead.
            policy = StaticConfig.PolicyOf(ControllerConfig.Default);
            metrics.ConfigValid.Set(0);
            logger.LogError("Controller config in ConfigMap {Namespace}/{Name} (resourceVersion {ResourceVersion}) is invalid and no valid config is known: TaskRun creates and spec changes are REFUSED until a valid config is applied: {Errors}",
                e.ConfigMap.Metadata?.NamespaceProperty, e.ConfigMap.Metadata?.Name, e.ConfigMap.Metadata?.ResourceVersion, e.Summary);
        }
        else
        {
            logger.LogError("Controller config in ConfigMap {Namespace}/{Name} (resourceVersion {ResourceVersion}) is invalid and was not applied; keeping the last good config: {Errors}",
                e.ConfigMap.Metadata?.NamespaceProperty, e.ConfigMap.Metadata?.Name, e.ConfigMap.Metadata?.ResourceVersion, e.Summary);
        }

        if (options.EmitConfigEvents)
        {
            _ = EmitWarningEventAsync(e);
        }
    }

    private void OnWatchFailed(object? sender, ConfigWatchFailedEventArgs e)
    {
        metrics.ConfigUpdates.WithLabels("watch_error").Inc();
        logger.LogWarning(e.Error, "Watching the controller config ConfigMap {Namespace}/{Name} failed; retrying in {RetryIn}",
            source.Namespace, source.Name, e.RetryIn);
    }

    /// <summary>A Warning Event on the ConfigMap, one per bad version however many replicas see it.</summary>
    private async Task EmitWarningEventAsync(ConfigRejectedEventArgs e)
    {
        try
        {
            await InvalidConfigEvent.RecordAsync(client, e.ConfigMap, e.Summary, "taskrun-webhook", time.GetUtcNow().UtcDateTime, e.Blocked);
        }
        catch (Exception error) when (error is HttpOperationException or HttpRequestException or IOException or TaskCanceledException)
        {
            logger.LogWarning("Could not create the InvalidConfig Warning Event: {Error}", error.Message);
        }
    }
}
