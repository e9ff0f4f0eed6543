using k8s;
using k8s.Models;
using TaskRun.Core.Config;

namespace TaskRun.Controller.Hosting;

/// <summary>
/// The hot-reloaded config: a change applies to the next run; an invalid config is kept out
/// (the last good one stays), logged, counted and reported as a Warning Event on the ConfigMap; a deleted
/// ConfigMap falls back to the built-in defaults, loudly.
/// </summary>
public sealed class LiveConfig
{
    private readonly IKubernetes client;
    private readonly ControllerMetrics metrics;
    private readonly ILogger<LiveConfig> logger;

    public LiveConfig(IKubernetes client, string systemNamespace, ControllerMetrics metrics, ILogger<LiveConfig> logger)
    {
        this.client = client;
        this.metrics = metrics;
        this.logger = logger;
        Source = new ControllerConfigSource(client, new ControllerConfigSourceOptions { Namespace = systemNamespace });
        Source.Changed += (_, e) => OnChanged(e);
        Source.Rejected += (_, e) => OnRejected(e);
        Source.WatchFailed += (_, e) => logger.LogWarning(e.Error, "watching the config failed; retrying in {Delay}", e.RetryIn);
    }

    public ControllerConfigSource Source { get; }

    public ControllerConfig Current => Source.Current;

    /// <summary>Why the controller fails closed (the stored config is invalid and no good one is known), or null.</summary>
    public string? BlockedReason => Source.BlockedReason;

    private void OnChanged(ConfigChangedEventArgs e)
    {
        metrics.SetConfigValid(true);
        if (e.Origin == ConfigOrigin.BuiltInDefaults)
        {
            metrics.ConfigReloaded("defaults");
            logger.LogWarning("config {Namespace}/{Name} is missing: using the BUILT-IN DEFAULTS ({Description})", Source.Namespace, Source.Name, e.Description);
            return;
        }

        metrics.ConfigReloaded("loaded");
        logger.LogInformation("config {Namespace}/{Name} loaded at resourceVersion {ResourceVersion}; new runs use it", Source.Namespace, Source.Name, e.ResourceVersion);
    }

    private void OnRejected(ConfigRejectedEventArgs e)
    {
        metrics.ConfigReloaded("invalid");
        if (e.Blocked)
        {
            metrics.SetConfigValid(false);
            logger.LogError("config {Namespace}/{Name} is invalid and no valid config is known: NOT READY, no new runs start until a valid config is applied (or the ConfigMap is deleted for the built-in defaults): {Errors}",
                Source.Namespace, Source.Name, e.Summary);
        }
        else
        {
            logger.LogError("config {Namespace}/{Name} is invalid and was NOT applied; keeping the last good config: {Errors}", Source.Namespace, Source.Name, e.Summary);
        }

        _ = RecordWarningAsync(e.ConfigMap, e.Summary, e.Blocked);
    }

    private async Task RecordWarningAsync(V1ConfigMap configMap, string errors, bool blocked)
    {
        try
        {
            await InvalidConfigEvent.RecordAsync(client, configMap, errors, "taskrun-controller", DateTime.UtcNow, blocked: blocked);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            logger.LogWarning(ex, "could not record the InvalidConfig event");
        }
    }
}
