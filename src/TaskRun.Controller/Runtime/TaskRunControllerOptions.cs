using TaskRun.Controller.Scheduling;

namespace TaskRun.Controller.Runtime;

/// <summary>How one <see cref="TaskRunController"/> is built: its scope, workers and the runtime's timings (not the cluster admin's config).</summary>
public sealed record TaskRunControllerOptions
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
