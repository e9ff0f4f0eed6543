using System.Collections.Concurrent;
using System.Diagnostics;
using Prometheus;
using TaskRun.Runtime.Leadership;

namespace TaskRun.Controller;

/// <summary>
/// The controller's Prometheus metrics: the seed's names (<c>taskrun_*</c>) and, alongside them, the names
/// controller-runtime operators and its dashboards use (<c>controller_runtime_*</c>, <c>workqueue_*</c>,
/// <c>rest_client_requests_total</c>, <c>leader_election_master_status</c>), with the same labels. A registry is
/// passed in so tests can run several controllers in one process and count separately.
/// </summary>
public sealed class ControllerMetrics : IWorkQueueMetrics, IControllerMetrics, ILeaderMetrics, IConfigMetrics
{
    /// <summary>The value of the <c>controller</c> and <c>name</c> labels, as controller-runtime names its controllers.</summary>
    public const string ControllerName = "taskrun";

    private readonly Counter reconciliations;
    private readonly Histogram reconcileDuration;
    private readonly Counter jobsCreated;
    private readonly Counter configMapsCreated;
    private readonly Histogram configMapSize;
    private readonly Gauge activeJobs;
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

    private readonly Counter.Child runtimeReconciles;
    private readonly Counter.Child runtimeReconcileErrors;
    private readonly Counter.Child runtimeReconcileRequeueAfter;
    private readonly Counter.Child runtimeReconcileErrorResults;
    private readonly Histogram.Child runtimeReconcileTime;
    private readonly Gauge.Child runtimeMaxConcurrent;
    private readonly Gauge.Child runtimeActiveWorkers;
    private readonly Gauge.Child workqueueDepth;
    private readonly Counter.Child workqueueAdds;
    private readonly Histogram.Child workqueueQueueDuration;
    private readonly Histogram.Child workqueueWorkDuration;
    private readonly Counter.Child workqueueRetries;
    private readonly Gauge.Child workqueueUnfinished;
    private readonly Gauge.Child workqueueLongestRunning;
    private readonly Gauge.Child leaderElectionStatus;
    private readonly Counter restClientRequests;

    /// <summary>Start timestamps of the reconciles in progress, for the unfinished-work gauges.</summary>
    private readonly ConcurrentDictionary<long, long> inFlight = new();
    private long nextWorkId;

    public ControllerMetrics(CollectorRegistry registry, string leaseName = "taskrun-controller-leader")
    {
        ArgumentNullException.ThrowIfNull(registry);
        var factory = Metrics.WithCustomRegistry(registry);
        reconciliations = factory.CreateCounter("taskrun_reconciliations_total", "Total reconciliation attempts.", "result");
        reconcileDuration = factory.CreateHistogram("taskrun_reconciliation_duration_seconds", "Time spent reconciling.",
            new HistogramConfiguration { Buckets = Histogram.ExponentialBuckets(0.001, 2, 16) });
        jobsCreated = factory.CreateCounter("taskrun_jobs_created_total", "Total jobs created.");
        configMapsCreated = factory.CreateCounter("taskrun_configmaps_created_total", "Total ConfigMaps created.");
        configMapSize = factory.CreateHistogram("taskrun_configmap_size_bytes", "Size of each run ConfigMap written (keys plus values).",
            new HistogramConfiguration { Buckets = Histogram.ExponentialBuckets(1024, 4, 8) });
        activeJobs = factory.CreateGauge("taskrun_active_jobs", "Jobs of TaskRuns that have not finished (no Complete or Failed condition).");
        queueDepth = factory.CreateGauge("taskrun_workqueue_depth", "Keys waiting in the work queue.");
        queueAdds = factory.CreateCounter("taskrun_workqueue_adds_total", "Keys added to the work queue.");
        queueLatency = factory.CreateHistogram("taskrun_workqueue_queue_duration_seconds", "Time a key waits in the queue before a worker takes it.",
            new HistogramConfiguration { Buckets = Histogram.ExponentialBuckets(0.0005, 2, 18) });
        queueRetries = factory.CreateCounter("taskrun_workqueue_retries_total", "Keys requeued with backoff after an error.");
        taskRunsByPhase = factory.CreateGauge("taskrun_taskruns", "TaskRuns in the cache by phase.", "phase");
        leader = factory.CreateGauge("taskrun_controller_leader", "1 while this replica holds the leader lease.");
        configReloads = factory.CreateCounter("taskrun_config_reloads_total",
            "Updates of the live config by result: applied, defaults (ConfigMap missing or deleted), rejected (invalid; last good kept or fail closed), watch_error.", "result");
        notifications = factory.CreateCounter("taskrun_notifications_total",
            "CloudEvent notifications by result: delivered, retried (an attempt failed and another follows), failed (given up on a sink), dropped (over the status bound).", "result");
        notificationDelivery = factory.CreateHistogram("taskrun_notification_delivery_duration_seconds",
            "Time from the first attempt to deliver a CloudEvent to a sink until it was accepted, retries included.",
            new HistogramConfiguration { Buckets = Histogram.ExponentialBuckets(0.005, 2, 16) });

        // controller-runtime's names, buckets and labels (pkg/internal/controller/metrics, pkg/metrics/workqueue.go).
        var reconcileTotal = factory.CreateCounter("controller_runtime_reconcile_total", "Total number of reconciliations per controller", "controller", "result");
        runtimeReconciles = reconcileTotal.WithLabels(ControllerName, "success");
        runtimeReconcileRequeueAfter = reconcileTotal.WithLabels(ControllerName, "requeue_after");
        runtimeReconcileErrorResults = reconcileTotal.WithLabels(ControllerName, "error");
        reconcileTotal.WithLabels(ControllerName, "requeue");
        runtimeReconcileErrors = factory.CreateCounter("controller_runtime_reconcile_errors_total", "Total number of reconciliation errors per controller", "controller")
            .WithLabels(ControllerName);
        runtimeReconcileTime = factory.CreateHistogram("controller_runtime_reconcile_time_seconds", "Length of time per reconciliation per controller",
            new HistogramConfiguration
            {
                LabelNames = ["controller"],
                Buckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0, 1.25, 1.5, 1.75, 2.0, 2.5, 3.0, 3.5, 4.0, 4.5, 5, 6, 7, 8, 9, 10, 15, 20, 25, 30, 40, 50, 60],
            }).WithLabels(ControllerName);
        runtimeMaxConcurrent = factory.CreateGauge("controller_runtime_max_concurrent_reconciles", "Maximum number of concurrent reconciles per controller", "controller")
            .WithLabels(ControllerName);
        runtimeActiveWorkers = factory.CreateGauge("controller_runtime_active_workers", "Number of currently used workers per controller", "controller")
            .WithLabels(ControllerName);
        var queueBuckets = Histogram.ExponentialBuckets(1e-8, 10, 10);
        workqueueDepth = factory.CreateGauge("workqueue_depth", "Current depth of workqueue", "name").WithLabels(ControllerName);
        workqueueAdds = factory.CreateCounter("workqueue_adds_total", "Total number of adds handled by workqueue", "name").WithLabels(ControllerName);
        workqueueQueueDuration = factory.CreateHistogram("workqueue_queue_duration_seconds", "How long in seconds an item stays in workqueue before being requested",
            new HistogramConfiguration { LabelNames = ["name"], Buckets = queueBuckets }).WithLabels(ControllerName);
        workqueueWorkDuration = factory.CreateHistogram("workqueue_work_duration_seconds", "How long in seconds processing an item from workqueue takes.",
            new HistogramConfiguration { LabelNames = ["name"], Buckets = queueBuckets }).WithLabels(ControllerName);
        workqueueRetries = factory.CreateCounter("workqueue_retries_total", "Total number of retries handled by workqueue", "name").WithLabels(ControllerName);
        workqueueUnfinished = factory.CreateGauge("workqueue_unfinished_work_seconds",
            "How many seconds of work has been done that is in progress and hasn't been observed by work_duration. Large values indicate stuck threads.", "name")
            .WithLabels(ControllerName);
        workqueueLongestRunning = factory.CreateGauge("workqueue_longest_running_processor_seconds",
            "How many seconds has the longest running processor for workqueue been running.", "name").WithLabels(ControllerName);
        leaderElectionStatus = factory.CreateGauge("leader_election_master_status",
            "Gauge of if the reporting system is master of the relevant lease, 0 indicates backup, 1 indicates master. 'name' is the string used to identify the lease.", "name")
            .WithLabels(leaseName);
        restClientRequests = factory.CreateCounter("rest_client_requests_total", "Number of HTTP requests, partitioned by status code, method, and host.",
            "code", "method", "host");
        registry.AddBeforeCollectCallback(UpdateUnfinishedWork);
        configValid = factory.CreateGauge("taskrun_config_valid", "1 while a valid config (or the built-in one) is in use; 0 while the stored config is invalid and none is known (fail closed: not ready, no new runs).");
        configValid.Set(1);
        Scheduling = new SchedulingMetrics(factory);
        Agent = new AgentMetrics(registry);
    }

    public SchedulingMetrics Scheduling { get; }

    /// <summary>What the agent CLI reported: cost and turns.</summary>
    public AgentMetrics Agent { get; }

    public long ReconcileCount => (long)(reconciliations.WithLabels("success").Value + reconciliations.WithLabels("error").Value);

    public void Reconciled(bool success, TimeSpan duration, bool requeueAfter = false)
    {
        reconciliations.WithLabels(success ? "success" : "error").Inc();
        reconcileDuration.Observe(duration.TotalSeconds);
        runtimeReconcileTime.Observe(duration.TotalSeconds);
        workqueueWorkDuration.Observe(duration.TotalSeconds);
        if (!success)
        {
            runtimeReconcileErrors.Inc();
            runtimeReconcileErrorResults.Inc();
        }
        else if (requeueAfter)
        {
            runtimeReconcileRequeueAfter.Inc();
        }
        else
        {
            runtimeReconciles.Inc();
        }
    }

    public void SetWorkers(int workers) => runtimeMaxConcurrent.Set(workers);

    /// <summary>A worker took a key; dispose the result when its reconcile ends.</summary>
    public IDisposable WorkStarted()
    {
        var id = Interlocked.Increment(ref nextWorkId);
        inFlight[id] = Stopwatch.GetTimestamp();
        runtimeActiveWorkers.Inc();
        return new WorkInProgress(this, id);
    }

    public void JobCreated() => jobsCreated.Inc();

    public void ConfigMapCreated(long sizeBytes)
    {
        configMapsCreated.Inc();
        configMapSize.Observe(sizeBytes);
    }

    public void SetActiveJobs(int count) => activeJobs.Set(count);

    /// <summary>Phase counts of one controller's cache (<paramref name="scope"/>: its namespace, or "" for all); the gauge shows the sum.</summary>
    public void SetPhaseCounts(IReadOnlyDictionary<string, int> counts, string scope = "")
    {
        phaseCountsByScope[scope] = counts;
        foreach (var phase in Core.Api.Phases.All.Append("Unknown"))
        {
            taskRunsByPhase.WithLabels(phase).Set(phaseCountsByScope.Values.Sum(c => c.GetValueOrDefault(phase)));
        }
    }

    public void SetLeader(bool isLeader)
    {
        leader.Set(isLeader ? 1 : 0);
        leaderElectionStatus.Set(isLeader ? 1 : 0);
    }

    public void ConfigUpdated(string result) => configReloads.WithLabels(result).Inc();

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
    /// <summary>One request the Kubernetes client made, as client-go counts it.</summary>
    public void RestClientRequest(string code, string method, string host) => restClientRequests.WithLabels(code, method, host).Inc();

    public void SetConfigValid(bool valid) => configValid.Set(valid ? 1 : 0);

    void IWorkQueueMetrics.Added()
    {
        queueAdds.Inc();
        workqueueAdds.Inc();
    }

    void IWorkQueueMetrics.Depth(int depth)
    {
        queueDepth.Set(depth);
        workqueueDepth.Set(depth);
    }

    void IWorkQueueMetrics.Waited(TimeSpan latency)
    {
        queueLatency.Observe(latency.TotalSeconds);
        workqueueQueueDuration.Observe(latency.TotalSeconds);
    }

    void IWorkQueueMetrics.Retried()
    {
        queueRetries.Inc();
        workqueueRetries.Inc();
    }

    private void UpdateUnfinishedWork()
    {
        var now = Stopwatch.GetTimestamp();
        var running = inFlight.Values.Select(started => Stopwatch.GetElapsedTime(started, now).TotalSeconds).ToList();
        workqueueUnfinished.Set(running.Sum());
        workqueueLongestRunning.Set(running.Count == 0 ? 0 : running.Max());
    }

    private sealed class WorkInProgress(ControllerMetrics metrics, long id) : IDisposable
    {
        public void Dispose()
        {
            if (metrics.inFlight.TryRemove(id, out _))
            {
                metrics.runtimeActiveWorkers.Dec();
            }
        }
    }
}
