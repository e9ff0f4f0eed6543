using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;
using TaskRun.Controller.Dependencies;
using TaskRun.Controller.Notifications;
using TaskRun.Controller.Reconciliation;
using TaskRun.Controller.Scheduling;
using TaskRun.Core.Api;
using TaskRun.Core.Config;

namespace TaskRun.Controller.Runtime;

/// <summary>
/// Wires the runtime: informers for TaskRuns and the Jobs and ConfigMaps they own, one work queue, and a
/// bounded number of workers running the reconciler. An event on a child enqueues its owner.
/// </summary>
public sealed class TaskRunController : IDisposable
{
    private readonly ControllerOptions options;
    private readonly ControllerMetrics metrics;
    private readonly TimeProvider time;
    private readonly ILogger logger;
    private readonly WorkQueue<ObjectKey> queue;
    private readonly TaskRunReconciler reconciler;
    private readonly EventRecorder events;
    private readonly DependentsIndex dependents = new();
    private readonly NotificationDispatcher notifications;
    private readonly QueueKicker queueKicker;

    public TaskRunController(
        IKubernetes client,
        ControllerOptions options,
        Func<ControllerConfig> config,
        ControllerMetrics metrics,
        TimeProvider time,
        ILoggerFactory loggers)
    {
        ArgumentNullException.ThrowIfNull(loggers);
        this.options = options ?? throw new ArgumentNullException(nameof(options));
        this.metrics = metrics ?? throw new ArgumentNullException(nameof(metrics));
        this.time = time ?? throw new ArgumentNullException(nameof(time));
        logger = loggers.CreateLogger<TaskRunController>();
        var random = new Random();
        TaskRuns = new Informer<V2TaskRun>(new TaskRunResourceClient(client, options.WatchNamespace), options.Informer, time, random, loggers.CreateLogger<Informer<V2TaskRun>>(), WithoutContents);
        Jobs = new Informer<V1Job>(new JobResourceClient(client, options.WatchNamespace), options.Informer, time, random, loggers.CreateLogger<Informer<V1Job>>(), SlimJob);
        ConfigMaps = new Informer<V1ConfigMap>(new ConfigMapResourceClient(client, options.WatchNamespace), options.Informer, time, random, loggers.CreateLogger<Informer<V1ConfigMap>>(), SlimConfigMap);
        queue = new WorkQueue<ObjectKey>(options.Queue, time, random, metrics);
        events = new EventRecorder(client, time, loggers.CreateLogger<EventRecorder>());
        notifications = new NotificationDispatcher(TaskRuns.Cache, new CloudEventSender(), new NotificationAcknowledger(client), events,
            config, metrics, time, loggers.CreateLogger<NotificationDispatcher>());
        Admissions = new AdmissionGate(TaskRuns.Cache, Jobs.Cache, config, time);
        queueKicker = new QueueKicker(Admissions, queue.Add, TaskRuns.Cache, metrics.Scheduling, options.QueueKicker, time, loggers.CreateLogger<QueueKicker>());
        reconciler = new TaskRunReconciler(
            new ReconcilerDependencies(
                Cache: new ReconcilerCache(TaskRuns.Cache, Jobs.Cache, OnTaskRunWritten, job => Jobs.Store(job)),
                TaskRuns: new TaskRunWriter(client),
                Children: new ChildWriter(client, metrics),
                AgentOutcomes: new AgentOutcomeReader(client, loggers.CreateLogger<AgentOutcomeReader>()),
                Events: events,
                Metrics: new ReconcilerMetrics(metrics),
                Config: config,
                ConfigBlocked: options.ConfigBlocked,
                Admissions: Admissions,
                Time: time,
                Jitter: random),
            loggers.CreateLogger<TaskRunReconciler>());

        TaskRuns.Changed += (old, current) =>
        {
            queue.Add(ObjectKey.Of((current ?? old)!));
            OnTaskRunChanged(old, current);
        };
        Jobs.Changed += (old, current) => EnqueueOwner(current ?? old);
        ConfigMaps.Changed += (old, current) => EnqueueOwner(current ?? old);
        Jobs.Changed += (old, current) => KickQueueWhenSlotFrees(old, current);
    }

    /// <summary>Admission to the run queue under scheduling.maxActiveRuns* (docs/scheduling.md).</summary>
    public AdmissionGate Admissions { get; }

    /// <summary>Call when the config changed: a raised limit admits queued runs at once.</summary>
    public void ConfigChanged() => queueKicker.Kick();

    public Informer<V2TaskRun> TaskRuns { get; }

    public Informer<V1Job> Jobs { get; }

    public Informer<V1ConfigMap> ConfigMaps { get; }

    /// <summary>True once every informer has its first list.</summary>
    public bool IsSynced => TaskRuns.Synced.IsCompleted && Jobs.Synced.IsCompleted && ConfigMaps.Synced.IsCompleted;

    /// <summary>Runs until cancelled: informers first, workers once the caches are synced.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var informers = new[] { TaskRuns.RunAsync(stop.Token), Jobs.RunAsync(stop.Token), ConfigMaps.RunAsync(stop.Token) };
        try
        {
            await Task.WhenAll(TaskRuns.Synced, Jobs.Synced, ConfigMaps.Synced).WaitAsync(stop.Token);
            logger.LogInformation("caches synced ({TaskRuns} TaskRuns, {Jobs} Jobs); starting {Workers} workers",
                TaskRuns.Cache.Count, Jobs.Cache.Count, options.Workers);
            metrics.SetWorkers(options.Workers);
            var workers = Enumerable.Range(0, options.Workers).Select(_ => WorkAsync(stop.Token)).ToList();
            workers.Add(ReportPhasesAsync(stop.Token));
            workers.Add(notifications.RunAsync(stop.Token));
            workers.Add(queueKicker.RunAsync(stop.Token));
            await Task.WhenAll(workers);
        }
        finally
        {
            queue.ShutDown();
            await stop.CancelAsync();
            await Task.WhenAll(informers).ContinueWith(_ => { }, TaskScheduler.Default);
        }
    }

    public void Dispose()
    {
        queue.Dispose();
        notifications.Dispose();
        queueKicker.Dispose();
    }

    /// <summary>A Job that finished or went away frees a slot.</summary>
    private void KickQueueWhenSlotFrees(V1Job? old, V1Job? current)
    {
        if (old is not null && !ActiveRuns.IsFinished(old) && (current is null || ActiveRuns.IsFinished(current)))
        {
            queueKicker.Kick();
        }
    }

    /// <summary>A TaskRun that left the queue without its run starting (cancelled, deleted) may have been ahead of others.</summary>
    private void KickQueueWhenLeft(V2TaskRun? old, V2TaskRun? current)
    {
        if (old?.Status?.Phase == Phases.Queued && current?.Status?.Phase != Phases.Queued)
        {
            queueKicker.Kick();
        }
    }

    /// <summary>
    /// Our own status writes go into the cache at once, and the watch then delivers nothing newer, so they are
    /// handed on here as the watch's changes are: to the dependents they wake, to notification delivery and to
    /// the run queue (a TaskRun that left it may have held others back).
    /// </summary>
    private void OnTaskRunWritten(V2TaskRun written)
    {
        var key = ObjectKey.Of(written);
        var old = TaskRuns.Cache.Get(key);
        if (TaskRuns.Store(written))
        {
            OnTaskRunChanged(old, TaskRuns.Cache.Get(key));
        }
    }

    private void OnTaskRunChanged(V2TaskRun? old, V2TaskRun? current)
    {
        dependents.Update(old, current);
        if (DependentsIndex.MattersToDependents(old, current))
        {
            foreach (var dependent in dependents.DependentsOf(ObjectKey.Of((current ?? old)!)))
            {
                queue.Add(dependent);
            }
        }

        notifications.Offer(current);
        KickQueueWhenLeft(old, current);
    }

    /// <summary>Looks at every cached TaskRun again: after a config change, a running TaskRun may no longer be valid.</summary>
    public void RequeueAll()
    {
        foreach (var taskRun in TaskRuns.Cache.List())
        {
            queue.Add(ObjectKey.Of(taskRun));
        }
    }

    /// <summary>
    /// TaskRuns are cached without their files' contents, most of their size; the reconciler reads the full
    /// object when it needs them (to check a new generation, to start a run). A copy: callers keep theirs.
    /// </summary>
    private static V2TaskRun WithoutContents(V2TaskRun taskRun) => taskRun.WithoutFileContents();

    /// <summary>A run's ConfigMap is watched only to find its owner; its data (the task's files) is not kept.</summary>
    private static V1ConfigMap SlimConfigMap(V1ConfigMap configMap)
    {
        configMap.Data = null;
        configMap.BinaryData = null;
        return configMap;
    }

    /// <summary>The reconciler reads a Job's status and owner only; its Pod template is most of its size.</summary>
    private static V1Job SlimJob(V1Job job)
    {
        if (job.Spec is not null)
        {
            job.Spec.Template = null;
        }

        return job;
    }

    private async Task WorkAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            ObjectKey key;
            try
            {
                key = await queue.TakeAsync(cancellationToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            var started = time.GetTimestamp();
            using var working = metrics.WorkStarted();
            try
            {
                var result = await reconciler.ReconcileAsync(key, cancellationToken);
                metrics.Reconciled(success: true, time.GetElapsedTime(started), requeueAfter: result.RequeueAfter is not null);
                queue.Forget(key);
                if (result.RequeueAfter is { } delay)
                {
                    queue.AddAfter(key, delay);
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (KubernetesErrors.IsConflict(e))
            {
                // A write raced another (e.g. a delivered notification leaving the status): the next pass reads
                // the newer object. Expected, so no Warning Event.
                metrics.Reconciled(success: false, time.GetElapsedTime(started));
                var delay = queue.AddRateLimited(key);
                logger.LogInformation("reconcile of {Key} hit a write conflict; retrying in {Delay}", key, delay);
            }
            catch (Exception e)
            {
                metrics.Reconciled(success: false, time.GetElapsedTime(started));
                var delay = queue.AddRateLimited(key);
                logger.LogWarning(e, "reconcile of {Key} failed; retrying in {Delay}", key, delay);
                await ReportErrorAsync(key, e, delay, cancellationToken);
            }
            finally
            {
                queue.Done(key);
            }
        }
    }

    /// <summary>
    /// A Warning Event on the TaskRun for the 1st, 2nd, 4th, 8th… failure in a row: users see a stuck TaskRun's
    /// reason in <c>kubectl describe</c>, and a failing API server is not flooded with Events.
    /// </summary>
    private async Task ReportErrorAsync(ObjectKey key, Exception error, TimeSpan retryIn, CancellationToken cancellationToken)
    {
        var failures = queue.Failures(key);
        var taskRun = TaskRuns.Cache.Get(key);
        if (taskRun is null || (failures & (failures - 1)) != 0)
        {
            return;
        }

        // The Event tells what failed, never what the API server sent back: a 422 body can hold another object's contents.
        await events.RecordAsync(taskRun, EventRecorder.Warning, "ReconcileError",
            $"reconcile failed ({failures} in a row), retrying in {retryIn.TotalSeconds:0.#}s: {KubernetesErrors.Describe(error)}", cancellationToken);
    }

    private void EnqueueOwner(IKubernetesObject<V1ObjectMeta>? child)
    {
        var owner = child?.Metadata.OwnerReferences?.FirstOrDefault(o => o.Controller == true && o.Kind == TaskRunApi.Kind);
        if (owner is not null)
        {
            queue.Add(new ObjectKey(child!.Metadata.NamespaceProperty, owner.Name));
        }
    }

    private async Task ReportPhasesAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(options.PhaseReportInterval, time);
        try
        {
            do
            {
                var counts = TaskRuns.Cache.List()
                    .GroupBy(t => t.Status?.Phase ?? "Unknown")
                    .ToDictionary(g => g.Key, g => g.Count());
                metrics.SetPhaseCounts(counts, options.WatchNamespace ?? "");
                metrics.SetActiveJobs(Jobs.Cache.List(job =>
                    job.Status?.Conditions?.Any(c => c.Status == "True" && c.Type is "Complete" or "Failed") != true).Count);
            }
            while (await timer.WaitForNextTickAsync(cancellationToken));
        }
        catch (OperationCanceledException)
        {
        }
    }
}

public sealed record ControllerOptions
{
    /// <summary>
    /// Concurrent reconciles. A reconcile spends nearly all its time waiting on the API server, so more
    /// workers than cores pay off; 8 keeps a 2-core controller busy without flooding the API server.
    /// </summary>
    public int Workers { get; init; } = 8;

    /// <summary>Null watches every namespace.</summary>
    public string? WatchNamespace { get; init; }

    public InformerOptions Informer { get; init; } = new();

    public WorkQueueOptions Queue { get; init; } = WorkQueueOptions.Default;

    public TimeSpan PhaseReportInterval { get; init; } = TimeSpan.FromSeconds(10);

    public QueueKickerOptions QueueKicker { get; init; } = new();

    /// <summary>Why the config fails closed (no new runs, no status changes except cleanup), or null. Null: never.</summary>
    public Func<string?> ConfigBlocked { get; init; } = () => null;
}
