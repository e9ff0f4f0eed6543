using System.Diagnostics;
using TaskRun.Core.Config;
using Xunit;
using Xunit.Abstractions;

namespace TaskRun.Core.Tests.Config;

/// <summary>
/// Hostile config.yaml: an alias bomb ("billion laughs") and deep nesting are refused before anything is
/// expanded, with an error naming the line, the construct and what to do. Memory is asserted (allocation is
/// deterministic); the time is printed, not asserted.
/// </summary>
public sealed class YamlBombTests(ITestOutputHelper output)
{
    /// <summary>About 240 bytes that expand to 9⁶ = 531,441 scalars (a million nodes with the sequences).</summary>
    private const string AliasBomb = """
        a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
        b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
        c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
        d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
        e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
        f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
        """;

    [Fact]
    public void An_alias_bomb_is_refused_before_expansion_with_a_clear_error_and_under_10_MB()
    {
        ControllerConfigParser.Parse("job: {backoffLimit: 1}\n"); // warm up: JIT and schema load are not the bomb's cost
        var allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
        var timer = Stopwatch.StartNew();

        var result = ControllerConfigParser.Parse(AliasBomb);

        timer.Stop();
        var allocated = GC.GetAllocatedBytesForCurrentThread() - allocatedBefore;
        output.WriteLine($"alias bomb of {AliasBomb.Length} bytes refused in {timer.Elapsed.TotalMilliseconds:0.0} ms, {allocated / 1024.0:0} KiB allocated");
        var error = Assert.Single(result.Errors);
        Assert.Null(result.Config);
        Assert.Equal("config.yaml", error.Key);
        Assert.Contains("anchors are not allowed", error.Message, StringComparison.Ordinal);
        Assert.Contains("&a", error.Message, StringComparison.Ordinal);
        Assert.Matches(@"line 1, column \d+", error.Message);
        Assert.True(allocated < 10 * 1024 * 1024, $"refusing the bomb allocated {allocated:N0} bytes");
    }

    [Fact]
    public void An_alias_without_its_anchor_in_reach_is_refused_too() =>
        Assert.Contains("aliases are not allowed", Assert.Single(ControllerConfigParser.Parse("job: *missing\n").Errors).Message, StringComparison.Ordinal);

    [Fact]
    public void Deep_nesting_is_refused_without_exhausting_the_stack()
    {
        var deep = new string('[', 100_000) + new string(']', 100_000);

        var error = Assert.Single(ControllerConfigParser.Parse("job: " + deep + "\n").Errors);

        Assert.Contains($"deeper than {YamlToJson.MaxDepth} levels", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_shipped_config_has_no_anchors_and_still_parses()
    {
        var yaml = File.ReadAllText(Path.Combine(RepositoryRoot(), "deploy", "config", "taskrun-controller-config.yaml"));
        var configYaml = string.Join('\n', yaml[(yaml.IndexOf("config.yaml: |", StringComparison.Ordinal) + 15)..]
            .Split('\n').Select(line => line.Length >= 4 ? line[4..] : line));

        Assert.Empty(ControllerConfigParser.Parse(configYaml).Errors);
    }

    private static string RepositoryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Webhooks.sln")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new InvalidOperationException("repository root not found");
    }
}
