using k8s;
using Microsoft.Extensions.Options;
using TaskRun.Controller.Runtime;
using TaskRun.Core.Config;

namespace TaskRun.Controller.Hosting;

/// <summary>Reads the config once at start (live reload is a later step) and runs the controller until shutdown.</summary>
public sealed class ControllerService(
    IKubernetes client,
    IOptions<ControllerSettings> settings,
    ControllerMetrics metrics,
    ILoggerFactory loggers,
    ILogger<ControllerService> logger) : BackgroundService
{
    private TaskRunController? controller;

    public bool IsSynced => controller?.IsSynced == true;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var config = await ReadConfigAsync(stoppingToken);
        controller = new TaskRunController(
            client,
            new ControllerOptions { Workers = settings.Value.Workers, WatchNamespace = NullIfEmpty(settings.Value.WatchNamespace) },
            () => config,
            metrics,
            TimeProvider.System,
            loggers);
        try
        {
            await controller.RunAsync(stoppingToken);
        }
        finally
        {
            controller.Dispose();
        }
    }

    private async Task<ControllerConfig> ReadConfigAsync(CancellationToken cancellationToken)
    {
        var ns = settings.Value.SystemNamespace;
        try
        {
            var configMap = await client.CoreV1.ReadNamespacedConfigMapAsync(ControllerConfig.ConfigMapName, ns, cancellationToken: cancellationToken);
            var parsed = ControllerConfigParser.ParseConfigMapData(configMap.Data);
            if (parsed.IsValid)
            {
                metrics.ConfigReloaded("loaded");
                return parsed.Config!;
            }

            metrics.ConfigReloaded("invalid");
            logger.LogError("config {Namespace}/{Name} is invalid, using the built-in defaults: {Errors}", ns, ControllerConfig.ConfigMapName, parsed.Summary());
        }
        catch (k8s.Autorest.HttpOperationException e) when (e.Response.StatusCode == System.Net.HttpStatusCode.NotFound)
        {
            logger.LogWarning("config {Namespace}/{Name} does not exist; using the built-in defaults", ns, ControllerConfig.ConfigMapName);
        }

        return ControllerConfig.Default;
    }

    private static string? NullIfEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;
}
