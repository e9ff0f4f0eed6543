using Prometheus;

namespace TaskRun.Controller;

/// <summary>
/// What the agent CLI reported, as Prometheus metrics: spend per namespace and turns per run. The namespace label
/// is bounded by the namespaces that run TaskRuns (the same set the controller watches), never by TaskRun names.
/// </summary>
public sealed class AgentMetrics
{
    private readonly Counter costUsd;
    private readonly Histogram turns;

    public AgentMetrics(CollectorRegistry registry)
    {
        var factory = Metrics.WithCustomRegistry(registry);
        costUsd = factory.CreateCounter("taskrun_agent_cost_usd_total", "Cost the agent CLI reported for finished runs, in US dollars.", "namespace");
        turns = factory.CreateHistogram("taskrun_agent_turns", "Turns the agent CLI took per finished run.",
            new HistogramConfiguration { Buckets = Histogram.ExponentialBuckets(1, 2, 12) });
    }

    /// <summary>Counts one run's result; called once per result recorded in a TaskRun's status.</summary>
    public void RecordResult(string ns, AgentResultStatus result)
    {
        ArgumentNullException.ThrowIfNull(result);
        if (result.CostUsd is { } cost)
        {
            costUsd.WithLabels(ns).Inc(cost);
        }

        if (result.Turns is { } count)
        {
            turns.Observe(count);
        }
    }
}
