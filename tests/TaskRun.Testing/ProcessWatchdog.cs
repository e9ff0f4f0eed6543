using System.Globalization;

namespace TaskRun.Testing;

/// <summary>
/// Runs a shell command once this test process is gone, however it ends (a test host is often killed before
/// exit handlers finish, and kill -9 runs none): a detached bash polls this process's pid.
/// </summary>
public static class ProcessWatchdog
{
    public static async Task RunWhenThisProcessEndsAsync(string shellCommand, string logPath)
    {
        var pid = Environment.ProcessId.ToString(CultureInfo.InvariantCulture);
        var watchdog = $"while kill -0 {pid} 2>/dev/null; do sleep 1; done; {shellCommand}";
        var started = await ProcessRunner.RunAsync("bash",
            ["-c", "setsid nohup bash -c \"$0\" >\"$1\" 2>&1 </dev/null &", watchdog, logPath]);
        if (!started.Succeeded)
        {
            throw new InvalidOperationException($"could not start a watchdog for '{shellCommand}':\n{started}");
        }
    }
}
