using TaskRun.Controller.Dependencies;
using TaskRun.Controller.Runtime;
using TaskRun.Core.Api;

namespace TaskRun.Controller.Reconciliation;

/// <summary>
/// The dependency gate in front of a run's start (the first run and each manual retry; automatic retries and
/// restored runs do not wait again): Waiting while a dependency has not Succeeded, Failed when one failed, was
/// deleted or closes a cycle, and the run started with DependenciesReady=True once all have Succeeded.
/// </summary>
public sealed partial class TaskRunReconciler
{
    private async Task<ReconcileResult> AfterDependenciesAsync(V2TaskRun taskRun, Func<V2TaskRun, Task<ReconcileResult>> start, CancellationToken cancellationToken)
    {
        if (taskRun.Spec.DependsOn is not { Count: > 0 })
        {
            return await start(taskRun);
        }

        // Failed by its dependencies for this retry.attempt: a dependency that later succeeds does not revive it.
        var status = taskRun.Status ?? new TaskRunStatus();
        var specAttempt = taskRun.Spec.Retry?.Attempt ?? SpecLimits.MinAttempt;
        if (status.Phase == Phases.Failed && specAttempt <= (status.ObservedRetryAttempt ?? 0))
        {
            return ReconcileResult.Done;
        }

        var ns = taskRun.Metadata.NamespaceProperty;
        var verdict = DependencyGate.Evaluate(taskRun, name => taskRuns.Get(new ObjectKey(ns, name)));
        var now = time.GetUtcNow().UtcDateTime;
        var generation = taskRun.Metadata.Generation;
        switch (verdict.Decision)
        {
            case DependencyDecision.Fail:
                return await FailOnDependenciesAsync(taskRun, verdict.Reason, verdict.Message, verdict, cancellationToken);
            case DependencyDecision.Wait when taskRun.Spec.Cancel == true:
                return await FailOnDependenciesAsync(taskRun, ConditionReasons.Cancelled, $"cancelled by spec.cancel while {verdict.Message}", verdict, cancellationToken);
            case DependencyDecision.Wait:
                var waiting = Copy(status);
                waiting.Phase = Phases.Waiting;
                waiting.Message = verdict.Message;
                waiting.Dependencies = verdict.Observed;
                waiting.Conditions = StatusConditions.Set(waiting.Conditions, ConditionTypes.DependenciesReady, "False", ConditionReasons.Waiting, verdict.Message, generation, now);
                waiting.Conditions = StatusConditions.Set(waiting.Conditions, ConditionTypes.Succeeded, "Unknown", ConditionReasons.Waiting, verdict.Message, generation, now);
                return await WriteStatusAsync(taskRun, waiting, cancellationToken);
            default:
                // The run's own status write carries DependenciesReady=True; the cached object is never changed.
                var ready = Copy(status);
                ready.Dependencies = verdict.Observed;
                ready.Conditions = StatusConditions.Set(ready.Conditions, ConditionTypes.DependenciesReady, "True", verdict.Reason, verdict.Message, generation, now);
                return await start(new V2TaskRun { ApiVersion = taskRun.ApiVersion, Kind = taskRun.Kind, Metadata = taskRun.Metadata, Spec = taskRun.Spec, Status = ready });
        }
    }

    private async Task<ReconcileResult> FailOnDependenciesAsync(V2TaskRun taskRun, string reason, string message, DependencyVerdict verdict, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow().UtcDateTime;
        var generation = taskRun.Metadata.Generation;
        var status = Copy(taskRun.Status ?? new TaskRunStatus());
        status.Phase = Phases.Failed;
        status.Message = message;
        status.CompletionTime = now;
        status.NextRetryTime = null;
        status.Dependencies = verdict.Observed;
        // Recording the attempt makes this final until retry.attempt is raised (which evaluates again).
        status.ObservedRetryAttempt = taskRun.Spec.Retry?.Attempt ?? SpecLimits.MinAttempt;
        status.Conditions = StatusConditions.Set(status.Conditions, ConditionTypes.DependenciesReady, "False", reason, message, generation, now);
        status.Conditions = StatusConditions.Set(status.Conditions, ConditionTypes.Succeeded, "False", reason, message, generation, now);
        await WriteStatusAsync(taskRun, status, cancellationToken);
        await events.RecordAsync(taskRun, EventRecorder.Warning, reason, message, cancellationToken);
        logger.LogWarning("TaskRun failed on its dependencies ({Reason}): {Message}", reason, message);
        return ReconcileResult.Done;
    }
}
