using System.Collections.Concurrent;
using System.Diagnostics;
using TaskRun.Controller.Scheduling;
using TaskRun.Core.Naming;
using TaskRun.Core.Payload;
using TaskRun.Core.Validation;

namespace TaskRun.Controller.Reconciliation;

/// <summary>
/// Turns a TaskRun's runs into ConfigMaps and Jobs and its Jobs' outcomes into status Level-based:
/// it reads the TaskRun and its Job from the caches and does the one next step, as a ladder of early returns.
/// Every write is idempotent (deterministic child names, server-side apply), so a repeat after a crash or a
/// stale read never makes a second Job for a run.
/// </summary>
public sealed partial class TaskRunReconciler(ReconcilerDependencies dependencies, ILogger<TaskRunReconciler> logger)
{
    private static readonly ActivitySource Tracing = new(Telemetry.SourceName);

    private readonly IReconcilerCache cache = dependencies.Cache;
    private readonly ITaskRunWriter taskRunWriter = dependencies.TaskRuns;
    private readonly IChildWriter childWriter = dependencies.Children;
    private readonly IAgentOutcomeReader agentOutcomes = dependencies.AgentOutcomes;
    private readonly IEventRecorder events = dependencies.Events;
    private readonly IReconcilerMetrics metrics = dependencies.Metrics;
    private readonly Func<ControllerConfig> config = dependencies.Config;
    private readonly Func<string?> configBlocked = dependencies.ConfigBlocked;
    private readonly AdmissionGate? admissions = dependencies.Admissions;
    private readonly TimeProvider time = dependencies.Time;
    private readonly Random jitter = dependencies.Jitter;

    /// <summary>What each TaskRun's spec was last found valid as: its uid, generation and the policy applied.</summary>
    private readonly ConcurrentDictionary<ObjectKey, (string Uid, long? Generation, ValidationPolicy Policy)> validated = new();

    /// <summary>How soon a TaskRun is looked at again while the config fails closed.</summary>
    public static TimeSpan BlockedRecheck { get; } = TimeSpan.FromSeconds(10);

    public async Task<ReconcileResult> ReconcileAsync(ObjectKey key, CancellationToken cancellationToken)
    {
        var taskRun = cache.TaskRun(key);
        if (taskRun is null)
        {
            validated.TryRemove(key, out _);
            return ReconcileResult.Done;
        }

        using var span = Tracing.StartActivity("reconcile TaskRun");
        span?.SetTag("k8s.namespace.name", key.Namespace);
        span?.SetTag("taskrun", key.Name);
        using var scope = logger.BeginScope(new Dictionary<string, object> { ["taskrun"] = key.Name, ["namespace"] = key.Namespace });

        if (taskRun.Metadata.DeletionTimestamp is not null)
        {
            validated.TryRemove(key, out _);
            return await FinalizeAsync(taskRun, cancellationToken);
        }

        if (configBlocked() is { } blocked)
        {
            logger.LogDebug("config fails closed, not acting: {Reason}", blocked);
            return ReconcileResult.After(BlockedRecheck);
        }

        // Children are created only after the finalizer is in place, so a TaskRun that gets it now has none.
        var isNew = taskRun.Metadata.Finalizers?.Contains(TaskRunApi.Finalizer) != true;
        if (isNew)
        {
            taskRun = Remember(await taskRunWriter.AddFinalizerAsync(taskRun, cancellationToken));
        }

        // A finished TaskRun stays finished until its retry.attempt is raised; it needs no further check.
        var finished = taskRun.Status;
        // Its status still records that the current generation was seen (observedGeneration, kept current for
        // GitOps health checks).
        if (finished?.Phase is Phases.Succeeded or Phases.Failed && finished.Attempt is not null &&
            SpecAttempt(taskRun) <= (finished.ObservedRetryAttempt ?? 0))
        {
            return await WriteStatusAsync(taskRun, finished.Clone(), cancellationToken);
        }

        // The cache holds TaskRuns without their files' contents; a spec is checked once per generation (and
        // config), on the full object: the finalizer patch's answer for a new TaskRun, else a fresh read.
        var settings = config();
        var policy = ValidationPolicy.From(settings);
        var checkedAs = (taskRun.Metadata.Uid, taskRun.Metadata.Generation, policy);
        if (!validated.TryGetValue(key, out var done) || done != checkedAs)
        {
            var full = HasContents(taskRun) ? taskRun : await taskRunWriter.ReadAsync(taskRun, cancellationToken);
            if (full is null)
            {
                return ReconcileResult.Done;
            }

            taskRun = full;
            var validation = TaskRunValidator.ValidateCreate(taskRun, policy);
            if (!validation.IsValid)
            {
                return await FailInvalidSpecAsync(taskRun, validation, cancellationToken);
            }

            validated[key] = (taskRun.Metadata.Uid, taskRun.Metadata.Generation, policy);
        }

        var status = taskRun.Status ?? new TaskRunStatus();
        var specAttempt = SpecAttempt(taskRun);
        if (status.Attempt is not { } run)
        {
            return await AfterDependenciesAsync(taskRun, ready => StartRunAsync(ready, specAttempt, retryCount: 0, "RunStarted", cancellationToken, knownNew: isNew), cancellationToken);
        }

        if (specAttempt > (status.ObservedRetryAttempt ?? 0))
        {
            await StopActiveJobAsync(taskRun, status, cancellationToken);
            return await AfterDependenciesAsync(taskRun, ready => StartRunAsync(ready, Math.Max(specAttempt, run + 1), retryCount: 0, "ManualRetry", cancellationToken), cancellationToken);
        }

        if (status.Phase is Phases.Succeeded or Phases.Failed)
        {
            return ReconcileResult.Done;
        }

        if (taskRun.Spec.Cancel == true)
        {
            await StopActiveJobAsync(taskRun, status, cancellationToken);
            return await FinishAsync(taskRun, Phases.Failed, ConditionReasons.Cancelled, $"cancelled by spec.cancel during run {run}", EventRecorder.Normal, cancellationToken);
        }

        if (status.NextRetryTime is { } retryAt)
        {
            var wait = retryAt - time.GetUtcNow().UtcDateTime;
            return wait > TimeSpan.Zero
                ? ReconcileResult.After(wait)
                : await StartRunAsync(taskRun, run + 1, (status.RetryCount ?? 0) + 1, "RetryStarted", cancellationToken);
        }

        var jobName = RunNames.Job(key.Name, run);
        var job = cache.Job(new ObjectKey(key.Namespace, jobName));
        if (job is null || !Ownership.IsControlledBy(job, taskRun.Metadata.Uid))
        {
            job = await childWriter.ReadJobAsync(key.Namespace, jobName, cancellationToken);
        }

        if (job is null)
        {
            // Lost between writes (or deleted by someone): the run's children are put back, idempotently.
            return await StartRunAsync(taskRun, run, status.RetryCount ?? 0, "RunRestored", cancellationToken);
        }

        if (!Ownership.IsControlledBy(job, taskRun.Metadata.Uid))
        {
            // Ours was deleted and another object took the name: its status is not this run's.
            return await FailTerminalAsync(taskRun, run, ConditionReasons.NameConflict, NameTaken("Job", key.Namespace, jobName), cancellationToken);
        }

        return await TrackJobAsync(taskRun, status, run, job, cancellationToken);
    }

    private async Task<ReconcileResult> TrackJobAsync(V2TaskRun taskRun, TaskRunStatus status, int run, V1Job job, CancellationToken cancellationToken)
    {
        var complete = JobCondition(job, "Complete");
        var failed = JobCondition(job, "Failed");
        if (complete is null && failed is null)
        {
            return await WriteStatusAsync(taskRun, Running(taskRun, status, run, $"run {run} is running (Job {job.Metadata.Name})"), cancellationToken);
        }

        var outcome = await agentOutcomes.ReadAsync(job, run, cancellationToken);
        if (complete is not null && !outcome.IsAgentError)
        {
            return await FinishAsync(taskRun, Phases.Succeeded, ConditionReasons.Succeeded, $"run {run} succeeded{AgentSaid(outcome)}", EventRecorder.Normal, cancellationToken, outcome);
        }

        // A Job that failed, or one whose agent CLI reported an error although it exited 0: a failed run either way.
        var settings = config();
        var reason = failed?.Reason ?? (failed is null ? AgentOutcome.AgentErrorReason : "Failed");
        var retryable = settings.Retry.RetryOn.Contains(reason);
        var maxRetries = taskRun.Spec.Retry?.MaxRetries ?? settings.Retry.MaxRetries;
        var used = status.RetryCount ?? 0;
        var why = $"run {run} failed: Job {job.Metadata.Name} {reason}{(string.IsNullOrEmpty(failed?.Message) ? "" : $" ({failed.Message})")}{AgentSaid(outcome)}";
        if (!retryable)
        {
            var terminal = reason == RetryConfig.DeadlineExceeded ? ConditionReasons.TimedOut : ConditionReasons.Failed;
            return await FinishAsync(taskRun, Phases.Failed, terminal, $"{why}; {reason} is not in retry.retryOn", EventRecorder.Warning, cancellationToken, outcome);
        }

        if (used >= maxRetries)
        {
            return await FinishAsync(taskRun, Phases.Failed, ConditionReasons.RetriesExhausted, $"{why}; all {maxRetries} automatic retries used", EventRecorder.Warning, cancellationToken, outcome);
        }

        var delay = Backoff.Delay(TimeSpan.FromSeconds(settings.Retry.BaseDelaySeconds), TimeSpan.FromSeconds(settings.Retry.MaxDelaySeconds), used, jitter);
        var now = time.GetUtcNow().UtcDateTime;
        var message = $"{why}; retry {used + 1} of {maxRetries} in {delay.TotalSeconds:0.#}s";
        var next = status.RetryScheduled(message, now + delay, taskRun.Metadata.Generation, now);
        RecordOutcome(taskRun, next, outcome);
        await WriteStatusAsync(taskRun, next, cancellationToken);
        await events.RecordAsync(taskRun, EventRecorder.Warning, ConditionReasons.RetryScheduled, message, cancellationToken);
        return ReconcileResult.After(delay);
    }

    private async Task<ReconcileResult> StartRunAsync(
        V2TaskRun taskRun, int run, int retryCount, string eventReason, CancellationToken cancellationToken, bool knownNew = false)
    {
        var settings = config();
        var ns = taskRun.Metadata.NamespaceProperty;
        var uid = taskRun.Metadata.Uid;
        if (run > SpecLimits.MaxRunNumber)
        {
            return await FailTerminalAsync(taskRun, run, ConditionReasons.Failed,
                $"run {run} would exceed the largest run number {SpecLimits.MaxRunNumber}; create a new TaskRun", cancellationToken);
        }

        var jobName = RunNames.Job(taskRun.Metadata.Name, run);
        var configMapName = RunNames.ConfigMap(taskRun.Metadata.Name, run);
        // The cache may lag behind a Job made just before a restart or failover, so a miss is checked live,
        // except for a TaskRun that has only now been given its finalizer (creation refuses a taken name anyway).
        var existing = cache.Job(new ObjectKey(ns, jobName))
            ?? (knownNew ? null : await childWriter.ReadJobAsync(ns, jobName, cancellationToken));
        if (existing is not null && !Ownership.IsControlledBy(existing, uid))
        {
            // The cache may hold the Job of an earlier TaskRun of this name, deleted since: only a live read decides.
            existing = await childWriter.ReadJobAsync(ns, jobName, cancellationToken);
            if (existing is not null && !Ownership.IsControlledBy(existing, uid))
            {
                return await FailTerminalAsync(taskRun, run, ConditionReasons.NameConflict, NameTaken("Job", ns, jobName), cancellationToken);
            }
        }

        // Scheduling (docs/scheduling.md): a new Job needs a slot; without one the TaskRun waits, Queued.
        using var admission = existing is null && admissions is not null ? admissions.Request(taskRun, jobName) : Admission.NotNeeded;
        if (!admission.IsGranted)
        {
            return await WaitForSlotAsync(taskRun, admission, run, cancellationToken);
        }

        // A Job that exists keeps the files it started with: the ConfigMap is written only with a new Job.
        if (existing is null)
        {
            // The run's snapshot of the files comes from the full object (the cache keeps no contents).
            var source = HasContents(taskRun) ? taskRun : await taskRunWriter.ReadAsync(taskRun, cancellationToken)
                ?? throw new InvalidOperationException($"TaskRun {ns}/{taskRun.Metadata.Name} disappeared while its run {run} was starting");
            if (source.Metadata.Uid != taskRun.Metadata.Uid || source.Metadata.Generation != taskRun.Metadata.Generation)
            {
                throw new InvalidOperationException($"TaskRun {ns}/{taskRun.Metadata.Name} changed while its run {run} was starting; starting again");
            }

            // The workspace first: nothing is written for a run that could only mount another application's volume.
            var claimName = RunChildren.WorkspaceClaimName(taskRun.Spec.ServiceName!);
            if (await childWriter.EnsureWorkspaceClaimAsync(ns, taskRun.Spec.ServiceName!, settings.Workspace, cancellationToken) == WorkspaceClaim.Foreign)
            {
                return await FailTerminalAsync(taskRun, run, ConditionReasons.WorkspaceNotAllowed,
                    $"PersistentVolumeClaim {ns}/{claimName} exists but was not created by the controller and is not marked as a workspace " +
                    $"(label {TaskRunLabels.Workspace}=true, set by an admin); it was not mounted and no run started. Use another serviceName, or ask an admin to mark the claim",
                    cancellationToken);
            }

            var payload = RunPayloadBuilder.Build(source, run);
            if (await childWriter.WriteConfigMapAsync(RunChildren.ConfigMap(taskRun, run, payload), uid, cancellationToken) == ChildWrite.NameTaken)
            {
                return await FailTerminalAsync(taskRun, run, ConditionReasons.NameConflict, NameTaken("ConfigMap", ns, configMapName), cancellationToken);
            }

            var (written, job) = await childWriter.WriteJobAsync(RunChildren.Job(taskRun, run, settings), uid, cancellationToken);
            if (written == ChildWrite.NameTaken)
            {
                return await FailTerminalAsync(taskRun, run, ConditionReasons.NameConflict, NameTaken("Job", ns, jobName), cancellationToken);
            }

            cache.JobWritten(job!);
            logger.LogInformation("created run {Attempt}: ConfigMap {ConfigMap} and Job {Job}", run, configMapName, jobName);
        }

        var now = time.GetUtcNow().UtcDateTime;
        var message = $"run {run} started (Job {jobName})";
        var status = (taskRun.Status ?? new TaskRunStatus()).StartingRun(run, retryCount, SpecAttempt(taskRun), now);
        var queueWait = QueueStatus.LeaveQueue(status, taskRun, run, now);
        status = status.ChildrenCreated(configMapName, jobName, taskRun.Metadata.Generation, now);
        await WriteStatusAsync(taskRun, Running(taskRun, status, run, message), cancellationToken);
        if (existing is null)
        {
            await events.RecordAsync(taskRun, EventRecorder.Normal, eventReason, message, cancellationToken);
        }

        if (queueWait is { } waited)
        {
            metrics.AdmittedFromQueue(waited);
            await events.RecordAsync(taskRun, EventRecorder.Normal, ConditionReasons.Admitted, $"run {run} left the queue after {waited.TotalSeconds:0} s", cancellationToken);
        }

        return ReconcileResult.Done;
    }

    /// <summary>No slot for the run: Queued with its place; or spec.cancel is set: Failed/Cancelled without a Job.</summary>
    private async Task<ReconcileResult> WaitForSlotAsync(V2TaskRun taskRun, Admission admission, int run, CancellationToken cancellationToken)
    {
        var current = taskRun.Status;
        if (admission.IsCancelled)
        {
            return current?.Phase == Phases.Failed && StatusConditions.Find(current.Conditions, ConditionTypes.Succeeded)?.Reason == ConditionReasons.Cancelled
                ? ReconcileResult.Done
                : await FinishAsync(taskRun, Phases.Failed, ConditionReasons.Cancelled, $"cancelled by spec.cancel before run {run} started; no Job was created", EventRecorder.Normal, cancellationToken);
        }

        var queued = QueueStatus.Queue(current ?? new TaskRunStatus(), taskRun, admission, time.GetUtcNow().UtcDateTime);
        await WriteStatusAsync(taskRun, queued, cancellationToken);
        if (current?.Phase != Phases.Queued)
        {
            await events.RecordAsync(taskRun, EventRecorder.Normal, ConditionReasons.Queued, queued.Message!, cancellationToken);
        }

        return ReconcileResult.Done;
    }

    private TaskRunStatus Running(V2TaskRun taskRun, TaskRunStatus current, int run, string message) =>
        current.Running(run, RunNames.ConfigMap(taskRun.Metadata.Name, run), RunNames.Job(taskRun.Metadata.Name, run), message, taskRun.Metadata.Generation, time.GetUtcNow().UtcDateTime);

    private async Task<ReconcileResult> FinishAsync(
        V2TaskRun taskRun, string phase, string reason, string message, string eventType, CancellationToken cancellationToken, AgentOutcome? outcome = null)
    {
        var now = time.GetUtcNow().UtcDateTime;
        var status = (taskRun.Status ?? new TaskRunStatus()).Finished(phase, reason, message, SpecAttempt(taskRun), taskRun.Metadata.Generation, now);
        RecordOutcome(taskRun, status, outcome ?? AgentOutcome.None);
        await WriteStatusAsync(taskRun, status, cancellationToken);
        await events.RecordAsync(taskRun, eventType, reason, message, cancellationToken);
        logger.LogInformation("TaskRun finished: {Phase} ({Reason}) at attempt {Attempt}", phase, reason, status.Attempt);
        return ReconcileResult.Done;
    }

    /// <summary>
    /// Ends the TaskRun for a reason retrying cannot fix (a name held by another object, a foreign workspace): Failed
    /// at run <paramref name="run"/>, one Warning Event, and no further attempts until retry.attempt is raised.
    /// The message names objects, never their contents.
    /// </summary>
    private async Task<ReconcileResult> FailTerminalAsync(V2TaskRun taskRun, int run, string reason, string message, CancellationToken cancellationToken)
    {
        if (await WriteFailedAsync(taskRun, run, reason, message, cancellationToken))
        {
            logger.LogWarning("TaskRun failed at run {Attempt} ({Reason}): {Message}", run, reason, message);
        }

        return ReconcileResult.Done;
    }

    /// <summary>
    /// Writes the TaskRun Failed with <paramref name="reason"/> and records one Warning Event, unless it already
    /// says exactly that. With a <paramref name="run"/>, the status names that run and drops a scheduled retry.
    /// False when there was nothing to write.
    /// </summary>
    private async Task<bool> WriteFailedAsync(V2TaskRun taskRun, int? run, string reason, string message, CancellationToken cancellationToken)
    {
        var current = taskRun.Status;
        if (current?.Phase == Phases.Failed && current.Message == message)
        {
            return false;
        }

        var now = time.GetUtcNow().UtcDateTime;
        var status = (current ?? new TaskRunStatus()).FailedTerminally(run, reason, message, SpecAttempt(taskRun), taskRun.Metadata.Generation, now);
        await WriteStatusAsync(taskRun, status, cancellationToken);
        await events.RecordAsync(taskRun, EventRecorder.Warning, reason, message, cancellationToken);
        return true;
    }

    private static string NameTaken(string kind, string ns, string name) =>
        $"{kind} {ns}/{name} already exists and is not controlled by this TaskRun; it was left untouched and no run started. " +
        "Remove or rename that object (or use another TaskRun name), then raise spec.retry.attempt";

    private async Task<ReconcileResult> FailInvalidSpecAsync(V2TaskRun taskRun, ValidationResult validation, CancellationToken cancellationToken)
    {
        var current = taskRun.Status;
        // A config change can make a running TaskRun invalid (e.g. overrides switched off): its Job is stopped, and the status says so.
        var stopped = current is { Phase: Phases.Running, JobName: { } activeJob } &&
            await childWriter.StopJobAsync(taskRun.Metadata.NamespaceProperty, activeJob, taskRun.Metadata.Uid, cancellationToken);
        var message = stopped
            ? $"invalid spec under the current config, so the active Job {current!.JobName} of run {current.Attempt} was stopped: {validation.Summary()}"
            : $"invalid spec, no Job created: {validation.Summary()}";
        if (await WriteFailedAsync(taskRun, run: null, ConditionReasons.InvalidSpec, message, cancellationToken))
        {
            logger.LogWarning("TaskRun has an invalid spec; no Job created: {Errors}", validation.Summary());
        }

        return ReconcileResult.Done;
    }

    private async Task<ReconcileResult> FinalizeAsync(V2TaskRun taskRun, CancellationToken cancellationToken)
    {
        if (taskRun.Metadata.Finalizers?.Contains(TaskRunApi.Finalizer) != true)
        {
            return ReconcileResult.Done;
        }

        var deleted = await childWriter.DeleteChildrenAsync(taskRun.Metadata.NamespaceProperty, taskRun.Metadata.Uid, cancellationToken);
        await taskRunWriter.RemoveFinalizerAsync(taskRun, cancellationToken);
        logger.LogInformation("cleaned up {Count} children and removed the finalizer", deleted);
        return ReconcileResult.Done;
    }

    private async Task StopActiveJobAsync(V2TaskRun taskRun, TaskRunStatus status, CancellationToken cancellationToken)
    {
        if (status.JobName is null || status.Phase is Phases.Succeeded or Phases.Failed)
        {
            return;
        }

        var job = cache.Job(new ObjectKey(taskRun.Metadata.NamespaceProperty, status.JobName));
        if (job is null || (JobCondition(job, "Complete") is null && JobCondition(job, "Failed") is null))
        {
            await childWriter.StopJobAsync(taskRun.Metadata.NamespaceProperty, status.JobName, taskRun.Metadata.Uid, cancellationToken);
        }
    }

    private async Task<ReconcileResult> WriteStatusAsync(V2TaskRun taskRun, TaskRunStatus status, CancellationToken cancellationToken)
    {
        status.ObservedGeneration = taskRun.Metadata.Generation;
        status.Conditions = ReadyCondition.WithReady(status.Conditions, taskRun.Metadata.Generation, time.GetUtcNow().UtcDateTime);
        if (StatusComparer.Same(taskRun.Status, status))
        {
            return ReconcileResult.Done;
        }

        RecordTransition(taskRun, status);
        Remember(await taskRunWriter.ReplaceStatusAsync(taskRun, status, cancellationToken));
        return ReconcileResult.Done;
    }

    private V2TaskRun Remember(V2TaskRun updated)
    {
        cache.TaskRunWritten(updated);
        return updated;
    }

    /// <summary>The agent's last words, quoted in status.message (they are also in status.agentMessage).</summary>
    private static string AgentSaid(AgentOutcome outcome) => outcome.Said is { } said ? $"; the agent said: {said}" : "";

    private void RecordOutcome(V2TaskRun taskRun, TaskRunStatus status, AgentOutcome outcome)
    {
        if (outcome.ApplyTo(status) && outcome.Result is { } result)
        {
            metrics.AgentResult(taskRun.Metadata.NamespaceProperty, result);
        }
    }

    private static bool HasContents(V2TaskRun taskRun) => taskRun.Spec.Files?.All(f => f?.Content is not null) == true;

    private static V1JobCondition? JobCondition(V1Job job, string type) =>
        job.Status?.Conditions?.FirstOrDefault(c => c.Type == type && c.Status == "True");

    /// <summary>The spec's retry.attempt: the manual run it asks for.</summary>
    private static int SpecAttempt(V2TaskRun taskRun) => taskRun.Spec.Retry?.Attempt ?? SpecLimits.MinAttempt;
}
