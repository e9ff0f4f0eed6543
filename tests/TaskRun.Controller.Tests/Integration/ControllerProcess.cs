using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using TaskRun.Testing;

namespace TaskRun.Controller.Tests.Integration;

/// <summary>The real controller program as a separate process, for what only processes show: leases, kill -9, SIGTERM.</summary>
internal sealed class ControllerProcess : IAsyncDisposable
{
    private readonly Process process;

    private ControllerProcess(Process process, string identity, int metricsPort, string logPath)
    {
        this.process = process;
        Identity = identity;
        MetricsPort = metricsPort;
        LogPath = logPath;
    }

    public string Identity { get; }

    public int MetricsPort { get; }

    public string LogPath { get; }

    public bool HasExited => process.HasExited;

    public static ControllerProcess Start(KubernetesFixture fixture, string ns, string identity, LeaseTimings lease)
    {
        var port = FreePort();
        var logPath = Path.Combine(Path.GetTempPath(), $"controller-{ns}-{identity}.log");
        var start = new ProcessStartInfo("bash")
        {
            UseShellExecute = false,
            WorkingDirectory = RepositoryPaths.Root,
        };
        // Output goes to a file through the shell, so no pipe of ours can fill up and stall the controller.
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add($"exec dotnet '{ControllerDll()}' \"$@\" >'{logPath}' 2>&1");
        start.ArgumentList.Add("controller");
        foreach (var argument in new[]
        {
            $"--Controller:Kubeconfig={fixture.ControlPlane.KubeconfigPath}",
            $"--Controller:MetricsPort={port}",
            $"--Controller:SystemNamespace={ns}",
            $"--Controller:WatchNamespace={ns}",
            $"--Controller:LeaderElection:Identity={identity}",
            $"--Controller:LeaderElection:LeaseDuration={lease.Duration}",
            $"--Controller:LeaderElection:RenewDeadline={lease.RenewDeadline}",
            $"--Controller:LeaderElection:RetryPeriod={lease.RetryPeriod}",
        })
        {
            start.ArgumentList.Add(argument);
        }

        return new ControllerProcess(Process.Start(start)!, identity, port, logPath);
    }

    public void Kill() => process.Kill(entireProcessTree: true);

    public Task<CommandResult> TerminateAsync() => ProcessRunner.RunAsync("kill", ["-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);

    public async Task<double> MetricAsync(string name)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var text = await http.GetStringAsync(new Uri($"http://127.0.0.1:{MetricsPort}/metrics"));
        return text.Split('\n')
            .Where(line => line.StartsWith(name, StringComparison.Ordinal) && !line.StartsWith('#'))
            .Sum(line => double.Parse(line[(line.LastIndexOf(' ') + 1)..], System.Globalization.CultureInfo.InvariantCulture));
    }

    public async ValueTask DisposeAsync()
    {
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }

        process.Dispose();
    }

    private static string ControllerDll()
    {
        // The test runs from tests/<project>/bin/<Configuration>/net10.0: use the controller of the same configuration.
        var configuration = new DirectoryInfo(AppContext.BaseDirectory).Parent!.Name;
        var dll = RepositoryPaths.InRoot("src", "TaskRun.Controller", "bin", configuration, "net10.0", "TaskRun.Controller.dll");
        return File.Exists(dll) ? dll : throw new FileNotFoundException($"build the controller first: {dll} is missing");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

internal sealed record LeaseTimings(TimeSpan Duration, TimeSpan RenewDeadline, TimeSpan RetryPeriod)
{
    public static LeaseTimings Short { get; } = new(TimeSpan.FromSeconds(4), TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(1));
}
