namespace TaskRun.Testing;

/// <summary><c>promtool check metrics</c> (hack/promtool.sh extracts it from Debian's prometheus package once).</summary>
public static class Promtool
{
    /// <summary>Exit 0 and no output means clean; each problem is a line on standard error (exit 3).</summary>
    public static async Task<CommandResult> CheckMetricsAsync(string metricsText)
    {
        var path = await ProcessRunner.RunAsync("bash", [RepositoryPaths.InRoot("hack", "promtool.sh"), "--path"], timeout: TimeSpan.FromMinutes(5));
        if (!path.Succeeded)
        {
            throw new InvalidOperationException($"hack/promtool.sh could not provide promtool:\n{path}");
        }

        return await ProcessRunner.RunAsync(path.StandardOutput.Trim(), ["check", "metrics"], standardInput: metricsText);
    }
}
