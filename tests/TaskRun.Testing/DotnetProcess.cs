using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace TaskRun.Testing;

/// <summary>
/// A .NET program of ours run as a separate process (for what only processes show: kill -9, SIGTERM, published
/// output). Its output goes to a log file through the shell, so no pipe of ours can fill up and stall it.
/// </summary>
public sealed class DotnetProcess : IAsyncDisposable
{
    private readonly Process process;

    private DotnetProcess(Process process, string logPath)
    {
        this.process = process;
        LogPath = logPath;
    }

    public string LogPath { get; }

    public bool HasExited => process.HasExited;

    /// <summary>The program's pid (the shell that started it exec'd into it).</summary>
    public int Id => process.Id;

    /// <summary>Starts <paramref name="dll"/> on the dotnet host, or, when it is no .dll, as an executable (a native-AOT build).</summary>
    public static DotnetProcess Start(string dll, IEnumerable<string> arguments, string logPath, IReadOnlyDictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo("bash") { UseShellExecute = false, WorkingDirectory = RepositoryPaths.Root };
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }

        start.ArgumentList.Add("-c");
        var host = dll.EndsWith(".dll", StringComparison.Ordinal) ? "dotnet " : "";
        start.ArgumentList.Add($"exec {host}'{dll}' \"$@\" >'{logPath}' 2>&1");
        start.ArgumentList.Add("dotnet-process");
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        return new DotnetProcess(Process.Start(start) ?? throw new InvalidOperationException($"could not start {dll}"), logPath);
    }

    /// <summary>Set by hack/test.sh to the native-AOT controller it published.</summary>
    public const string ControllerProgramVariable = "TASKRUN_CONTROLLER_PROGRAM";

    /// <summary>
    /// The controller as the tests run it as a process: the native-AOT executable hack/test.sh published (named by
    /// TASKRUN_CONTROLLER_PROGRAM: what ships), or, when a developer runs <c>dotnet test</c> alone, the built dll.
    /// </summary>
    public static string ControllerProgram()
    {
        var published = Environment.GetEnvironmentVariable(ControllerProgramVariable);
        if (string.IsNullOrEmpty(published))
        {
            return BuiltDll("TaskRun.Controller");
        }

        return File.Exists(published) ? published : throw new FileNotFoundException($"{ControllerProgramVariable} names {published}, which does not exist");
    }

    /// <summary>The built output of one of our src projects, in the configuration the tests were built in.</summary>
    public static string BuiltDll(string project)
    {
        // Tests run from tests/<project>/bin/<Configuration>/net10.0.
        var configuration = new DirectoryInfo(AppContext.BaseDirectory).Parent!.Name;
        var dll = RepositoryPaths.InRoot("src", project, "bin", configuration, "net10.0", $"{project}.dll");
        return File.Exists(dll) ? dll : throw new FileNotFoundException($"build {project} first: {dll} is missing");
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Waits until <paramref name="url"/> answers 200, failing with the process's log if it exits or times out.</summary>
    public async Task WaitForOkAsync(Uri url, TimeSpan timeout)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        await Eventually.HoldsAsync(async () =>
        {
            if (HasExited)
            {
                throw new InvalidOperationException($"the process exited with {process.ExitCode}; log:\n{ReadLog()}");
            }

            using var response = await http.GetAsync(url);
            return response.StatusCode == HttpStatusCode.OK;
        }, $"{url} to answer 200", timeout, TimeSpan.FromMilliseconds(200), () => $"log:\n{ReadLog()}");
    }

    public string ReadLog() => File.Exists(LogPath) ? File.ReadAllText(LogPath) : "(no log)";

    public void Kill() => process.Kill(entireProcessTree: true);

    public Task<CommandResult> TerminateAsync() =>
        ProcessRunner.RunAsync("kill", ["-TERM", process.Id.ToString(CultureInfo.InvariantCulture)]);

    public async ValueTask DisposeAsync()
    {
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }

        process.Dispose();
    }
}
