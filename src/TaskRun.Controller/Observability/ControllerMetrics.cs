using Prometheus;
using TaskRun.Controller.Runtime;

namespace TaskRun.Controller;

/// <summary>
/// The controller's Prometheus metrics: the seed's four plus the work queue, phases, leadership and config
/// reloads. A registry is passed in so tests can run several controllers in one process and count separately.
/// </summary>
public sealed class ControllerMetrics : IWorkQueueMetrics
{
    private readonly Counter reconciliations;
    private readonly Histogram reconcileDuration;
    private readonly Counter jobsCreated;
    private readonly Counter configMapsCreated;
    private readonly Gauge queueDepth;
    private readonly Counter queueAdds;
    private readonly Histogram queueLatency;
    private readonly Counter queueRetries;
    private readonly Gauge taskRunsByPhase;
    private readonly Gauge leader;
    private readonly Counter configReloads;
    private readonly Counter notifications;
    private readonly Histogram notificationDelivery;
    private readonly Gauge configValid;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, IReadOnlyDictionary<string, int>> phaseCountsByScope = new();

    public ControllerMetrics(CollectorRegistry registry)
    {
        var factory = Metrics.WithCustomRegistry(registry);
        reconciliations = factory.CreateCounter("taskrun_reconciliations_total", "Total reconciliation attempts.", "result");
        reconcileDuration = factory.CreateHistogram("taskrun_reconciliation_duration_seconds", "Time spent reconciling.",
            new HistogramConfiguration { Buckets = Histogram.ExponentialBuckets(0.001, 2, 16) });
        jobsCreated = factory.CreateCounter("taskrun_jobs_created_total", "Total jobs created.");
        configMapsCreated = factory.CreateCounter("taskrun_configmaps_created_total", "Total ConfigMaps created.");
        queueDepth = factory.CreateGauge("taskrun_workqueue_depth", "Keys waiting in the work queue.");
        queueAdds = factory.CreateCounter("taskrun_workqueue_adds_total", "Keys added to the work queue.");
        queueLatency = factory.CreateHistogram("taskrun_workqueue_queue_duration_seconds", "Time a key waits in the queue before a worker takes it.",
            new HistogramConfiguration { Buckets = Histogram.ExponentialBuckets(0.0005, 2, 18) });
        queueRetries = factory.CreateCounter("taskrun_workqueue_retries_total", "Keys requeued with backoff after an error.");
        taskRunsByPhase = factory.CreateGauge("taskrun_taskruns", "TaskRuns in the cache by phase.", "phase");
        leader = factory.CreateGauge("taskrun_controller_leader", "1 while this replica holds the leader lease.");
        configReloads = factory.CreateCounter("taskrun_config_reloads_total", "Config changes seen, by result.", "result");
        notifications = factory.CreateCounter("taskrun_notifications_total",
            "CloudEvent notifications by result: delivered, retried (an attempt failed and another follows), failed (given up on a sink), dropped (over the status bound).", "result");
        notificationDelivery = factory.CreateHistogram("taskrun_notification_delivery_duration_seconds",
            "Time from the first attempt to deliver a CloudEvent to a sink until it was accepted, retries included.",
            new HistogramConfiguration { Buckets = Histogram.ExponentialBuckets(0.005, 2, 16) });
        configValid = factory.CreateGauge("taskrun_config_valid", "1 while a valid config (or the built-in one) is in use; 0 while the stored config is invalid and none is known (fail closed: not ready, no new runs).");
        configValid.Set(1);
        Agent = new AgentMetrics(registry);
    }

    /// <summary>What the agent CLI reported: cost and turns.</summary>
    public AgentMetrics Agent { get; }

    public long ReconcileCount => (long)(reconciliations.WithLabels("success").Value + reconciliations.WithLabels("error").Value);

    public void Reconciled(bool success, TimeSpan duration)
    {
        reconciliations.WithLabels(success ? "success" : "error").Inc();
        reconcileDuration.Observe(duration.TotalSeconds);
    }

    public void JobCreated() => jobsCreated.Inc();

    public void ConfigMapCreated() => configMapsCreated.Inc();

    /// <summary>Phase counts of one controller's cache (<paramref name="scope"/>: its namespace, or "" for all); the gauge shows the sum.</summary>
    public void SetPhaseCounts(IReadOnlyDictionary<string, int> counts, string scope = "")
    {
        phaseCountsByScope[scope] = counts;
        foreach (var phase in Core.Api.Phases.All.Append("Unknown"))
        {
            taskRunsByPhase.WithLabels(phase).Set(phaseCountsByScope.Values.Sum(c => c.GetValueOrDefault(phase)));
        }
    }

    public void SetLeader(bool isLeader) => leader.Set(isLeader ? 1 : 0);

    public void ConfigReloaded(string result) => configReloads.WithLabels(result).Inc();

    public void NotificationSent(string result, TimeSpan? deliveredAfter)
    {
        notifications.WithLabels(result).Inc();
        if (deliveredAfter is { } elapsed)
        {
            notificationDelivery.Observe(elapsed.TotalSeconds);
        }
    }

    public double NotificationCount(string result) => notifications.WithLabels(result).Value;

    public void NotificationsDropped(int count) => notifications.WithLabels("dropped").Inc(count);
    public void SetConfigValid(bool valid) => configValid.Set(valid ? 1 : 0);

    void IWorkQueueMetrics.Added() => queueAdds.Inc();

    void IWorkQueueMetrics.Depth(int depth) => queueDepth.Set(depth);

    void IWorkQueueMetrics.Waited(TimeSpan latency) => queueLatency.Observe(latency.TotalSeconds);

    void IWorkQueueMetrics.Retried() => queueRetries.Inc();
}
