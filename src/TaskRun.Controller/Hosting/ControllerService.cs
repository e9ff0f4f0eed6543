using k8s;
using Microsoft.Extensions.Options;
using TaskRun.Controller.Runtime;

namespace TaskRun.Controller.Hosting;

/// <summary>
/// The controller process's work: the live config on every replica; the informers, queue and workers only
/// while this replica leads. Losing leadership stops the work at once and stops the process, which its
/// Deployment restarts as a standby.
/// </summary>
public sealed class ControllerService(
    IKubernetes client,
    IOptions<ControllerSettings> settings,
    LiveConfig config,
    LeaderElection leaderElection,
    ControllerMetrics metrics,
    IHostApplicationLifetime lifetime,
    ILoggerFactory loggers,
    ILogger<ControllerService> logger) : BackgroundService
{
    public bool IsConfigSynced => config.Source.HasSynced;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var configWatch = config.Source.RunAsync(stoppingToken);
        await config.Source.WaitForSyncAsync(stoppingToken);
        if (!settings.Value.LeaderElection.Enabled)
        {
            await RunControllerAsync(stoppingToken);
        }
        else
        {
            await leaderElection.RunWhileLeadingAsync(RunControllerAsync, stoppingToken);
            if (!stoppingToken.IsCancellationRequested)
            {
                logger.LogWarning("leadership lost: work stopped; stopping the process so it restarts as a standby");
                lifetime.StopApplication();
            }
        }

        await configWatch;
    }

    private async Task RunControllerAsync(CancellationToken cancellationToken)
    {
        using var controller = new TaskRunController(
            client,
            new ControllerOptions { Workers = settings.Value.Workers, WatchNamespace = NullIfEmpty(settings.Value.WatchNamespace) },
            () => config.Current,
            metrics,
            TimeProvider.System,
            loggers);
        void OnConfigChanged(object? sender, TaskRun.Core.Config.ConfigChangedEventArgs e) => controller.ConfigChanged();
        config.Source.Changed += OnConfigChanged;
        try
        {
            await controller.RunAsync(cancellationToken);
        }
        finally
        {
            config.Source.Changed -= OnConfigChanged;
        }
    }

    private static string? NullIfEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;
}
