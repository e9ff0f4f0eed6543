using TaskRun.Controller.Dependencies;
using TaskRun.Controller.Notifications;
using TaskRun.Controller.Reconciliation;
using TaskRun.Controller.Scheduling;

namespace TaskRun.Controller.Runtime;

/// <summary>
/// Wires the runtime (TaskRun.Runtime) to TaskRuns: informers for TaskRuns and the Jobs and ConfigMaps they own,
/// one work queue, and a controller loop of a bounded number of workers running the reconciler. An event on a
/// child enqueues its owner; a TaskRun's change wakes its dependents, its notifications and the run queue.
/// </summary>
public sealed class TaskRunController : IDisposable
{
    private readonly TaskRunControllerOptions options;
    private readonly ILogger logger;
    private readonly WorkQueue<ObjectKey> queue;
    private readonly ControllerLoop<ObjectKey> loop;
    private readonly PhaseReporter phases;
    private readonly DependentsIndex dependents = new();
    private readonly NotificationDispatcher notifications;
    private readonly QueueKicker queueKicker;
    private readonly EventSink eventSink;

    public TaskRunController(
        IKubernetes client,
        TaskRunControllerOptions options,
        Func<ControllerConfig> config,
        ControllerMetrics metrics,
        TimeProvider time,
        ILoggerFactory loggers)
    {
        ArgumentNullException.ThrowIfNull(loggers);
        this.options = options ?? throw new ArgumentNullException(nameof(options));
        ArgumentNullException.ThrowIfNull(metrics);
        ArgumentNullException.ThrowIfNull(time);
        logger = loggers.CreateLogger<TaskRunController>();
        var random = new Random();
        TaskRuns = new Informer<V2TaskRun>(TaskRunResourceClient.Create(client, options.WatchNamespace, CachedForms.WithoutContents), options.Informer, time, random,
            loggers.CreateLogger<Informer<V2TaskRun>>(), CachedForms.WithoutContents);
        Jobs = new Informer<V1Job>(ResourceClients.Jobs(client, options.WatchNamespace, CachedForms.SlimJob), options.Informer, time, random,
            loggers.CreateLogger<Informer<V1Job>>(), CachedForms.SlimJob);
        ConfigMaps = new Informer<V1ConfigMap>(ResourceClients.ConfigMaps(client, options.WatchNamespace, CachedForms.SlimConfigMap), options.Informer, time, random,
            loggers.CreateLogger<Informer<V1ConfigMap>>(), CachedForms.SlimConfigMap);
        queue = new WorkQueue<ObjectKey>(options.Queue, time, random, metrics);
        eventSink = new EventSink(client, loggers.CreateLogger<EventSink>());
        var events = new EventRecorder(client, time, loggers.CreateLogger<EventRecorder>()) { Sink = eventSink };
        notifications = new NotificationDispatcher(TaskRuns.Cache, new CloudEventSender(), new NotificationAcknowledger(client), events,
            config, metrics, time, loggers.CreateLogger<NotificationDispatcher>());
        Admissions = new AdmissionGate(TaskRuns.Cache, Jobs.Cache, config, time);
        queueKicker = new QueueKicker(Admissions, queue.Add, TaskRuns.Cache, metrics.Scheduling, options.QueueKicker, time, loggers.CreateLogger<QueueKicker>());
        var reconciler = new TaskRunReconciler(
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
        loop = new ControllerLoop<ObjectKey>(queue, reconciler, metrics, time, loggers.CreateLogger<TaskRunController>(),
            new ReconcileErrorEvents(TaskRuns.Cache, events));
        phases = new PhaseReporter(TaskRuns.Cache, Jobs.Cache, metrics, options.WatchNamespace ?? "", options.PhaseReportInterval, time);

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
        var eventWrites = eventSink.RunAsync(stop.Token);
        try
        {
            await Task.WhenAll(TaskRuns.Synced, Jobs.Synced, ConfigMaps.Synced).WaitAsync(stop.Token);
            logger.LogInformation("caches synced ({TaskRuns} TaskRuns, {Jobs} Jobs); starting {Workers} workers",
                TaskRuns.Cache.Count, Jobs.Cache.Count, options.Workers);
            await Task.WhenAll(
                loop.RunAsync(options.Workers, stop.Token),
                phases.RunAsync(stop.Token),
                notifications.RunAsync(stop.Token),
                queueKicker.RunAsync(stop.Token));
        }
        finally
        {
            queue.ShutDown();
            await stop.CancelAsync();
            await Task.WhenAll(informers).ContinueWith(_ => { }, TaskScheduler.Default);
            await eventWrites;
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

    private void EnqueueOwner(IKubernetesObject<V1ObjectMeta>? child)
    {
        var owner = child?.Metadata.OwnerReferences?.FirstOrDefault(o => o.Controller == true && o.Kind == TaskRunApi.Kind);
        if (owner is not null)
        {
            queue.Add(new ObjectKey(child!.Metadata.NamespaceProperty, owner.Name));
        }
    }
}
