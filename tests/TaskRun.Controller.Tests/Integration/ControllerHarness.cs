using k8s;
using Microsoft.Extensions.Logging.Abstractions;
using Prometheus;
using TaskRun.Controller.Hosting;
using TaskRun.Controller.Runtime;
using TaskRun.Runtime;
using TaskRun.Core.Config;
using TaskRun.Testing;

namespace TaskRun.Controller.Tests.Integration;

/// <summary>Runs a real controller in the test process against the test API server, with its own metrics and write counter.</summary>
internal sealed class ControllerHarness : IAsyncDisposable
{
    private readonly BackgroundRun run;

    public ControllerHarness(
        KubernetesFixture fixture,
        string watchNamespace,
        ControllerConfig? config = null,
        int? dieAfterWrites = null,
        bool liveConfig = false,
        int watchTimeoutSeconds = 30)
    {
        Writes = new WriteCounter { DieAfterWrites = dieAfterWrites };
        Config = config ?? FastRetries;
        Client = new Kubernetes(fixture.ControlPlane.ClientConfiguration(), Writes);
        Metrics = new ControllerMetrics(Prometheus.Metrics.NewCustomRegistry());
        // With liveConfig the harness's namespace doubles as the system namespace holding taskrun-controller-config.
        LiveConfig = liveConfig ? ControllerConfigWatch.Create(Client, watchNamespace, Metrics, NullLoggerFactory.Instance) : null;
        Controller = new TaskRunController(
            Client,
            new TaskRunControllerOptions { WatchNamespace = watchNamespace, Informer = new InformerOptions { WatchTimeoutSeconds = watchTimeoutSeconds } },
            () => LiveConfig?.Current ?? Config,
            Metrics,
            TimeProvider.System,
            NullLoggerFactory.Instance);
        if (LiveConfig is not null)
        {
            // As the host does: a config change has every TaskRun looked at again.
            LiveConfig.Changed += (_, _) => Controller.RequeueAll();
        }

        run = new BackgroundRun(stop => Task.WhenAll(LiveConfig?.RunAsync(stop) ?? Task.CompletedTask, Task.Run(async () =>
        {
            // As the host does: no reconcile before the config has been read.
            if (LiveConfig is not null)
            {
                await LiveConfig.WaitForSyncAsync(stop);
            }

            await Controller.RunAsync(stop);
        }, stop)), Controller, Client);
    }

    public ControllerConfigSource? LiveConfig { get; }

    /// <summary>Retries after 1–2 s instead of the production 10 s, so retry tests take seconds.</summary>
    public static ControllerConfig FastRetries { get; } = new()
    {
        Retry = new RetryConfig { BaseDelaySeconds = 1, MaxDelaySeconds = 2, MaxRetries = 2 },
    };

    public ControllerConfig Config { get; set; }

    public Kubernetes Client { get; }

    public WriteCounter Writes { get; }

    public ControllerMetrics Metrics { get; }

    public TaskRunController Controller { get; }

    public ValueTask DisposeAsync() => run.DisposeAsync();
}
