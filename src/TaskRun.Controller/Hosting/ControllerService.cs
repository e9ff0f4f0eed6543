using Microsoft.Extensions.Options;
using TaskRun.Controller.Runtime;
using TaskRun.Runtime.Leadership;

namespace TaskRun.Controller.Hosting;

/// <summary>
/// The controller process's work: the live config on every replica; the informers, queue and workers only
/// while this replica leads. Losing leadership stops the work at once and stops the process, which its
/// Deployment restarts as a standby.
/// </summary>
public sealed class ControllerService(
    IKubernetes client,
    IOptions<ControllerProcessOptions> settings,
    ControllerConfigSource config,
    LeaderElection leaderElection,
    ControllerMetrics metrics,
    IHostApplicationLifetime lifetime,
    ILoggerFactory loggers,
    ILogger<ControllerService> logger) : BackgroundService
{
    public bool IsConfigSynced => config.HasSynced;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var configWatch = config.RunAsync(stoppingToken);
        await config.WaitForSyncAsync(stoppingToken);
        if (!settings.Value.LeaderElection.Enabled)
        {
            await RunControllerAsync(stoppingToken);
        }
        else
        {
            await leaderElection.RunWhileLeadingAsync(RunControllerAsync, stoppingToken);
            if (!stoppingToken.IsCancellationRequested)
            {
                logger.LogWarning("no longer leading: work stopped; stopping the process so it restarts as a standby");
                lifetime.StopApplication();
            }
        }

        await configWatch;
    }

    /// <summary>One controller for all namespaces, or one per listed namespace (each with its own informers and queue).</summary>
    private async Task RunControllerAsync(CancellationToken cancellationToken)
    {
        var namespaces = settings.Value.Namespaces();
        if (namespaces is null)
        {
            await RunControllerAsync(null, settings.Value.Workers, cancellationToken);
            return;
        }

        logger.LogInformation("watching only the namespaces {Namespaces}", string.Join(", ", namespaces));
        var workers = Math.Max(1, settings.Value.Workers / namespaces.Count);
        await Task.WhenAll(namespaces.Select(ns => RunControllerAsync(ns, workers, cancellationToken)));
    }

    private async Task RunControllerAsync(string? watchNamespace, int workers, CancellationToken cancellationToken)
    {
        using var controller = new TaskRunController(
            client,
            new TaskRunControllerOptions
            {
                Workers = workers,
                WatchNamespace = watchNamespace,
                ConfigBlocked = () => config.BlockedReason,
            },
            () => config.Current,
            metrics,
            TimeProvider.System,
            loggers);
        // A new config may make a running TaskRun invalid (e.g. overrides switched off): every TaskRun is checked again;
        // a raised scheduling limit admits queued runs at once.
        void OnChanged(object? sender, ConfigChangedEventArgs e)
        {
            controller.RequeueAll();
            controller.ConfigChanged();
        }

        config.Changed += OnChanged;
        try
        {
            await controller.RunAsync(cancellationToken);
        }
        finally
        {
            config.Changed -= OnChanged;
        }
    }
}
