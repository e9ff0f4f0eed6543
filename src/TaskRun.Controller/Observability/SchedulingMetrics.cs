using Prometheus;
using TaskRun.Controller.Scheduling;

namespace TaskRun.Controller;

/// <summary>
/// The run queue's metrics. Cardinality is bounded: <c>taskrun_queued</c> has one series per priority (4);
/// <c>taskrun_active_runs</c> has one per namespace with active runs, at most <see cref="MaxNamespaceSeries"/>
/// − 1 of them (the busiest), the rest summed under <c>namespace="(other)"</c>; a namespace's series is removed
/// when it has no active run.
/// </summary>
public sealed class SchedulingMetrics
{
    public const int MaxNamespaceSeries = 50;
    public const string OtherNamespaces = "(other)";

    private readonly Gauge queued;
    private readonly Gauge activeRuns;
    private readonly Histogram queueWait;
    private readonly Counter admittedFromQueue;
    private readonly HashSet<string> exported = new(StringComparer.Ordinal);

    internal SchedulingMetrics(IMetricFactory factory)
    {
        queued = factory.CreateGauge("taskrun_queued", "TaskRuns waiting in phase Queued for a slot, by priority.", ["priority"]);
        activeRuns = factory.CreateGauge("taskrun_active_runs", "Active runs (unfinished Jobs, plus admitted starts) by namespace; the busiest 49 namespaces, the rest as (other).", ["namespace"]);
        queueWait = factory.CreateHistogram("taskrun_queue_wait_seconds", "Time a run waited in the queue before it was admitted (second precision).",
            new HistogramConfiguration { Buckets = Histogram.ExponentialBuckets(0.5, 2, 16) });
        admittedFromQueue = factory.CreateCounter("taskrun_queue_admissions_total", "Runs that left the queue and started.");
    }

    public void Admitted(TimeSpan waited)
    {
        queueWait.Observe(waited.TotalSeconds);
        admittedFromQueue.Inc();
    }

    public void Update(SchedulingSnapshot snapshot)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        var byPriority = snapshot.Plan.Places.Where(p => !p.Admitted).GroupBy(p => PriorityRank.Of(p.Candidate.Priority)).ToDictionary(g => g.Key, g => g.Count());
        foreach (var priority in Priorities.All)
        {
            queued.WithLabels(priority).Set(byPriority.GetValueOrDefault(PriorityRank.Of(priority)));
        }

        var busiest = snapshot.ActiveByNamespace.Where(n => n.Value > 0)
            .OrderByDescending(n => n.Value).ThenBy(n => n.Key, StringComparer.Ordinal).ToList();
        var series = busiest.Take(MaxNamespaceSeries - 1).ToDictionary(n => n.Key, n => n.Value, StringComparer.Ordinal);
        var rest = busiest.Skip(MaxNamespaceSeries - 1).Sum(n => n.Value);
        if (rest > 0)
        {
            series[OtherNamespaces] = rest;
        }

        foreach (var gone in exported.Where(ns => !series.ContainsKey(ns)).ToList())
        {
            activeRuns.RemoveLabelled(gone);
            exported.Remove(gone);
        }

        foreach (var (ns, count) in series)
        {
            activeRuns.WithLabels(ns).Set(count);
            exported.Add(ns);
        }
    }
}
