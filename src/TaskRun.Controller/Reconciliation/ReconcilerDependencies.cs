using TaskRun.Controller.Scheduling;

namespace TaskRun.Controller.Reconciliation;

/// <summary>Everything <see cref="TaskRunReconciler"/> works with; fakes of each make it testable without an API server.</summary>
/// <param name="Cache">The informers' caches: what it reads, and where its own writes go at once.</param>
/// <param name="TaskRuns">TaskRun reads and writes on the API server.</param>
/// <param name="Children">ConfigMap, Job and workspace PVC reads and writes on the API server.</param>
/// <param name="AgentOutcomes">What the agent said when a run finished.</param>
/// <param name="Events">Events on the TaskRun.</param>
/// <param name="Metrics">What it counts.</param>
/// <param name="Config">The current controller config.</param>
/// <param name="ConfigBlocked">
/// Why the config fails closed, or null. While set, only deletions are handled: no run starts, no status changes.
/// </param>
/// <param name="Admissions">The run queue's gate (scheduling.maxActiveRuns*); null admits every run at once.</param>
/// <param name="Time">The clock: status times, retry times, backoff.</param>
/// <param name="Jitter">The random share of each retry's backoff.</param>
public sealed record ReconcilerDependencies(
    IReconcilerCache Cache,
    ITaskRunWriter TaskRuns,
    IChildWriter Children,
    IAgentOutcomeReader AgentOutcomes,
    IEventRecorder Events,
    IReconcilerMetrics Metrics,
    Func<ControllerConfig> Config,
    Func<string?> ConfigBlocked,
    AdmissionGate? Admissions,
    TimeProvider Time,
    Random Jitter);
