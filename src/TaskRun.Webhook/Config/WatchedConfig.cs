using k8s;
using Microsoft.Extensions.Options;
using TaskRun.Core.Config;
using TaskRun.Core.Validation;
using TaskRun.Webhook.Hosting;
using TaskRun.Webhook.Observability;

namespace TaskRun.Webhook.Config;

/// <summary>
/// Runs a <see cref="ControllerConfigSource"/> for the webhook: the limits and policies follow the ConfigMap
/// with no restart; the <see cref="ConfigReporter"/> logs, counts and reports every change as the controller's does.
/// </summary>
internal sealed class WatchedConfig : BackgroundService, ILiveConfig
{
    private readonly ControllerConfigSource source;
    private readonly WebhookOptions options;
    private volatile ValidationPolicy policy = StaticConfig.PolicyOf(ControllerConfig.Default);

    public WatchedConfig(IKubernetes client, IOptions<WebhookOptions> options, WebhookMetrics metrics, ILogger<WatchedConfig> logger, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(options);
        this.options = options.Value;
        source = new ControllerConfigSource(client, new ControllerConfigSourceOptions { Namespace = this.options.ConfigNamespace }, time, logger);
        source.Changed += (_, e) => policy = StaticConfig.PolicyOf(e.Config);
        // Fail closed: the built-in (safe) policy would be a guess at the admin's intent; TaskRun admission is refused instead.
        source.Rejected += (_, e) => policy = e.Blocked ? StaticConfig.PolicyOf(ControllerConfig.Default) : policy;
        ConfigReporter.Attach(source, metrics, client,
            new ConfigReporterOptions("taskrun-webhook", "TaskRun creates and spec changes are REFUSED", this.options.EmitConfigEvents), time, logger);
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
}
