using System.Text.RegularExpressions;
using TaskRun.Testing;

namespace TaskRun.Deploy.Tests;

/// <summary>Metric names: those the processes define in src/, and those a PromQL expression reads.</summary>
internal static partial class MetricNames
{
    private static readonly HashSet<string> NotMetrics = ["and", "or", "unless", "bool", "offset", "inf", "nan"];

    /// <summary>Every series name a <c>Create{Counter,Gauge,Histogram,Summary}("name", ...)</c> call in src/ exposes.</summary>
    public static IReadOnlySet<string> DefinedInSource()
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        var files = Directory.EnumerateFiles(RepositoryPaths.InRoot("src"), "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal));
        foreach (var file in files)
        {
            foreach (Match match in DefinitionRegex().Matches(File.ReadAllText(file)))
            {
                var name = match.Groups["name"].Value;
                names.Add(name);
                var suffixes = match.Groups["type"].Value switch
                {
                    "Histogram" => new[] { "_bucket", "_sum", "_count" },
                    "Summary" => ["_sum", "_count"],
                    _ => [],
                };
                names.UnionWith(suffixes.Select(s => name + s));
            }
        }

        return names;
    }

    /// <summary>The metric names a PromQL expression selects (functions, label names, strings, durations and Grafana variables removed).</summary>
    public static IReadOnlySet<string> ReadBy(string promql)
    {
        var text = StringRegex().Replace(promql, " ");
        text = MatcherRegex().Replace(text, " ");
        text = RangeRegex().Replace(text, " ");
        text = GroupingRegex().Replace(text, " ");
        text = VariableRegex().Replace(text, " ");
        return IdentifierRegex().Matches(text).Select(m => m.Value).Where(n => !NotMetrics.Contains(n)).ToHashSet(StringComparer.Ordinal);
    }

    [GeneratedRegex("""Create(?<type>Counter|Gauge|Histogram|Summary)\(\s*"(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)"\s*,""")]
    private static partial Regex DefinitionRegex();

    [GeneratedRegex("""("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')""")]
    private static partial Regex StringRegex();

    [GeneratedRegex(@"\{[^}]*\}")]
    private static partial Regex MatcherRegex();

    [GeneratedRegex(@"\[[^\]]*\]")]
    private static partial Regex RangeRegex();

    [GeneratedRegex(@"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)")]
    private static partial Regex GroupingRegex();

    [GeneratedRegex(@"\$\{?\w+\}?")]
    private static partial Regex VariableRegex();

    // A name not directly followed by "(" (a function call) and not part of a number.
    [GeneratedRegex(@"(?<![\w.])[a-zA-Z_:][a-zA-Z0-9_:]*\b(?!\s*\()")]
    private static partial Regex IdentifierRegex();
}
