using Prometheus;
using TaskRun.Runtime;
using TaskRun.Controller.Scheduling;
using TaskRun.Core.Config;
using Xunit;

namespace TaskRun.Controller.Tests.Scheduling;

/// <summary>The queue metrics keep a bounded number of series however many namespaces run.</summary>
public sealed class SchedulingMetricsTests
{
    private readonly CollectorRegistry registry = Metrics.NewCustomRegistry();

    [Fact]
    public async Task Active_runs_keep_the_busiest_namespaces_and_sum_the_rest_as_other()
    {
        var metrics = new ControllerMetrics(registry).Scheduling;
        var active = Enumerable.Range(0, 80).ToDictionary(i => $"ns-{i:00}", i => i + 1);

        metrics.Update(Snapshot(active));

        var series = await SeriesAsync("taskrun_active_runs");
        Assert.Equal(SchedulingMetrics.MaxNamespaceSeries, series.Count);
        Assert.Equal(80, series["ns-79"]);
        Assert.False(series.ContainsKey("ns-30"));
        Assert.Equal(Enumerable.Range(1, 31).Sum(), series[SchedulingMetrics.OtherNamespaces]);
        Assert.Equal(active.Values.Sum(), series.Values.Sum());
    }

    [Fact]
    public async Task A_namespace_without_active_runs_loses_its_series()
    {
        var metrics = new ControllerMetrics(registry).Scheduling;
        metrics.Update(Snapshot(new Dictionary<string, int> { ["team-a"] = 2, ["team-b"] = 1 }));

        metrics.Update(Snapshot(new Dictionary<string, int> { ["team-a"] = 1 }));

        Assert.Equal(new Dictionary<string, double> { ["team-a"] = 1 }, await SeriesAsync("taskrun_active_runs"));
    }

    [Fact]
    public async Task Queued_runs_are_counted_per_priority_in_four_series()
    {
        var metrics = new ControllerMetrics(registry).Scheduling;
        var candidates = new[] { "critical", "low", "low", "unknown-is-medium" }
            .Select((p, i) => new RunCandidate(new ObjectKey("ns", $"run-{i}"), $"uid-{i}", p, DateTime.UnixEpoch.AddMinutes(i)));
        var limits = new SchedulingConfig { MaxActiveRuns = 1 };
        var active = new Dictionary<string, int> { ["ns"] = 1 };

        metrics.Update(new SchedulingSnapshot(AdmissionPlanner.Plan(candidates, active, limits), active, limits));

        Assert.Equal(new Dictionary<string, double> { ["low"] = 2, ["medium"] = 1, ["high"] = 0, ["critical"] = 1 }, await SeriesAsync("taskrun_queued"));
    }

    private static SchedulingSnapshot Snapshot(Dictionary<string, int> active) =>
        new(AdmissionPlanner.Plan([], active, new SchedulingConfig()), active, new SchedulingConfig());

    /// <summary>label value → sample, for one metric of the exported text.</summary>
    private async Task<Dictionary<string, double>> SeriesAsync(string name)
    {
        using var stream = new MemoryStream();
        await registry.CollectAndExportAsTextAsync(stream);
        return System.Text.Encoding.UTF8.GetString(stream.ToArray()).Split('\n')
            .Where(line => line.StartsWith(name + "{", StringComparison.Ordinal))
            .ToDictionary(
                line => line[(line.IndexOf('"', StringComparison.Ordinal) + 1)..line.LastIndexOf('"')],
                line => double.Parse(line[(line.LastIndexOf(' ') + 1)..], System.Globalization.CultureInfo.InvariantCulture));
    }
}
