using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace TaskRun.ControllerBench;

/// <summary>
/// The real controller program (Release build) as a separate process, watching one namespace, leader election
/// off. Its output goes to a log file through the shell, so no pipe of ours can fill up and stall it; its pid is
/// appended to a pid file so the wrapper script can kill it even if the benchmark itself dies.
/// </summary>
internal sealed class ControllerRunner : IAsyncDisposable
{
    private readonly Process process;
    private bool disposed;

    private ControllerRunner(Process process, string ns, int workers, int port, string logPath)
    {
        this.process = process;
        Namespace = ns;
        Workers = workers;
        MetricsPort = port;
        LogPath = logPath;
    }

    public string Namespace { get; }

    public int Workers { get; }

    public int MetricsPort { get; }

    public string LogPath { get; }

    public int Pid => process.Id;

    public bool HasExited => process.HasExited;

    /// <summary>Starts the controller with --controller-env, or with <paramref name="environment"/> instead when given.</summary>
    public static ControllerRunner Start(BenchOptions options, string ns, int workers, IReadOnlyDictionary<string, string>? environment = null)
    {
        Directory.CreateDirectory(options.LogDir);
        var port = FreePort();
        var logPath = Path.Combine(options.LogDir, $"controller-{ns}-{DateTime.UtcNow:HHmmss}.log");
        var start = new ProcessStartInfo("bash") { UseShellExecute = false };
        start.ArgumentList.Add("-c");
        // A .dll runs on the dotnet host; anything else is an executable (the native-AOT controller).
        start.ArgumentList.Add("if [[ $0 == *.dll ]]; then exec dotnet \"$0\" \"$@\" >\"$LOG_PATH\" 2>&1; else exec \"$0\" \"$@\" >\"$LOG_PATH\" 2>&1; fi");
        start.ArgumentList.Add(options.ControllerDll);
        foreach (var argument in new[]
        {
            $"--Controller:Kubeconfig={options.Kubeconfig}",
            $"--Controller:MetricsPort={port}",
            $"--Controller:SystemNamespace={ns}",
            $"--Controller:WatchNamespace={ns}",
            $"--Controller:Workers={workers}",
            "--Controller:LeaderElection:Enabled=false",
        })
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["LOG_PATH"] = logPath;
        foreach (var (name, value) in environment ?? options.ControllerEnvironment)
        {
            start.Environment[name] = value;
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("could not start the controller");
        File.AppendAllText(Path.Combine(options.LogDir, "controller.pids"), process.Id.ToString(CultureInfo.InvariantCulture) + "\n");
        return new ControllerRunner(process, ns, workers, port, logPath);
    }

    /// <summary>Waits for /readyz and then for the workers: the phase gauge is first set once the caches are synced.</summary>
    public async Task<double> WaitUntilWorkingAsync(MetricsClient metrics, Clock clock, CancellationToken cancellationToken)
    {
        var deadline = clock.Now + 120;
        var ready = false;
        while (clock.Now < deadline)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"the controller exited with code {process.ExitCode}; see {LogPath}");
            }

            ready = ready || await metrics.ReadyAsync(MetricsPort, cancellationToken);
            if (ready && (await metrics.ControllerAsync(MetricsPort, cancellationToken)).Series("taskrun_taskruns").Any())
            {
                return clock.Now;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(100), cancellationToken);
        }

        throw new TimeoutException($"the controller was not working after 120 s (ready: {ready}); see {LogPath}");
    }

    /// <summary>Stops the controller; a second call does nothing.</summary>
    public async ValueTask DisposeAsync()
    {
        if (disposed)
        {
            return;
        }

        disposed = true;
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }

        process.Dispose();
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
