using TaskRun.Testing;

namespace TaskRun.Controller.Tests.Integration;

/// <summary>The real controller program as a separate process, for what only processes show: leases, kill -9, SIGTERM.</summary>
internal sealed class ControllerProcess : IAsyncDisposable
{
    private readonly DotnetProcess process;

    private ControllerProcess(DotnetProcess process, string identity, int metricsPort)
    {
        this.process = process;
        Identity = identity;
        MetricsPort = metricsPort;
    }

    public string Identity { get; }

    public int MetricsPort { get; }

    /// <summary>The process's standard output and error.</summary>
    public string LogPath => process.LogPath;

    public static ControllerProcess Start(KubernetesFixture fixture, string ns, string identity, LeaseTimings lease, params string[] extraArguments) =>
        Start(fixture, ns, identity, lease, environment: null, extraArguments);

    public static ControllerProcess Start(
        KubernetesFixture fixture, string ns, string identity, LeaseTimings lease, IReadOnlyDictionary<string, string>? environment, params string[] extraArguments)
    {
        var port = DotnetProcess.FreePort();
        var process = DotnetProcess.Start(DotnetProcess.ControllerProgram(),
        [
            $"--Controller:Kubeconfig={fixture.ControlPlane.KubeconfigPath}",
            $"--Controller:MetricsPort={port}",
            $"--Controller:SystemNamespace={ns}",
            $"--Controller:WatchNamespace={ns}",
            $"--Controller:LeaderElection:Identity={identity}",
            $"--Controller:LeaderElection:LeaseDuration={lease.Duration}",
            $"--Controller:LeaderElection:RenewDeadline={lease.RenewDeadline}",
            $"--Controller:LeaderElection:RetryPeriod={lease.RetryPeriod}",
            .. extraArguments,
        ], Path.Combine(Path.GetTempPath(), $"controller-{ns}-{identity}.log"), environment);
        return new ControllerProcess(process, identity, port);
    }

    public bool HasExited => process.HasExited;

    public string ReadLog() => process.ReadLog();

    public void Kill() => process.Kill();

    public Task<CommandResult> TerminateAsync() => process.TerminateAsync();

    /// <summary>The /metrics page as Prometheus scrapes it.</summary>
    public async Task<string> MetricsTextAsync()
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        return await http.GetStringAsync(new Uri($"http://127.0.0.1:{MetricsPort}/metrics"));
    }

    public async Task<double> MetricAsync(string name)
    {
        var text = await MetricsTextAsync();
        return text.Split('\n')
            .Where(line => line.StartsWith(name, StringComparison.Ordinal) && !line.StartsWith('#'))
            .Sum(line => double.Parse(line[(line.LastIndexOf(' ') + 1)..], System.Globalization.CultureInfo.InvariantCulture));
    }

    public ValueTask DisposeAsync() => process.DisposeAsync();
}

internal sealed record LeaseTimings(TimeSpan Duration, TimeSpan RenewDeadline, TimeSpan RetryPeriod)
{
    // Short, yet with a renew deadline a busy two-core machine can meet (at 3 s, renewals missed it under load).
    public static LeaseTimings Short { get; } = new(TimeSpan.FromSeconds(8), TimeSpan.FromSeconds(6), TimeSpan.FromSeconds(1));
}
