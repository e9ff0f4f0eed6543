using k8s;
using Microsoft.Extensions.Logging.Abstractions;
using TaskRun.Controller.Hosting;
using TaskRun.Core.Config;
using TaskRun.Controller.Runtime;
using TaskRun.Runtime;

namespace TaskRun.Controller.Tests.Integration.Scheduling;

/// <summary>A real controller over every namespace of the scheduling cluster, with the live config, as the host wires it.</summary>
internal sealed class SchedulingHarness : IAsyncDisposable
{
    private readonly BackgroundRun run;

    public SchedulingHarness(SchedulingCluster cluster)
    {
        Client = new Kubernetes(cluster.ControlPlane.ClientConfiguration());
        Registry = Prometheus.Metrics.NewCustomRegistry();
        Metrics = new ControllerMetrics(Registry);
        LiveConfig = ControllerConfigWatch.Create(Client, SchedulingCluster.SystemNamespace, Metrics, NullLoggerFactory.Instance);
        Controller = new TaskRunController(Client, new TaskRunControllerOptions { WatchNamespace = null }, () => LiveConfig.Current, Metrics, TimeProvider.System, NullLoggerFactory.Instance);
        LiveConfig.Changed += (_, _) => Controller.ConfigChanged();
        run = new BackgroundRun(stop => Task.WhenAll(LiveConfig.RunAsync(stop), Task.Run(async () =>
        {
            await LiveConfig.WaitForSyncAsync(stop);
            await Controller.RunAsync(stop);
        }, stop)), Controller, Client);
    }

    public Kubernetes Client { get; }

    public ControllerMetrics Metrics { get; }

    public Prometheus.CollectorRegistry Registry { get; }

    public async Task<string> MetricsTextAsync()
    {
        using var stream = new MemoryStream();
        await Registry.CollectAndExportAsTextAsync(stream);
        return System.Text.Encoding.UTF8.GetString(stream.ToArray());
    }

    public ControllerConfigSource LiveConfig { get; }

    public TaskRunController Controller { get; }

    public ValueTask DisposeAsync() => run.DisposeAsync();
}
