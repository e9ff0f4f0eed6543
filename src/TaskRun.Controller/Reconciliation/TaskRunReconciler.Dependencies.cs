using TaskRun.Controller.Dependencies;

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
        if (status.Phase == Phases.Failed && SpecAttempt(taskRun) <= (status.ObservedRetryAttempt ?? 0))
        {
            return ReconcileResult.Done;
        }

        var ns = taskRun.Metadata.NamespaceProperty;
        var verdict = DependencyGate.Evaluate(taskRun, name => cache.TaskRun(new ObjectKey(ns, name)));
        var now = time.GetUtcNow().UtcDateTime;
        var generation = taskRun.Metadata.Generation;
        switch (verdict.Decision)
        {
            case DependencyDecision.Fail:
                return await FailOnDependenciesAsync(taskRun, verdict.Reason, verdict.Message, verdict, cancellationToken);
            case DependencyDecision.Wait when taskRun.Spec.Cancel == true:
                return await FailOnDependenciesAsync(taskRun, ConditionReasons.Cancelled, $"cancelled by spec.cancel while {verdict.Message}", verdict, cancellationToken);
            case DependencyDecision.Wait:
                return await WriteStatusAsync(taskRun, status.WaitingForDependencies(verdict.Message, verdict.Observed, generation, now), cancellationToken);
            default:
                // The run's own status write carries DependenciesReady=True; the cached object is never changed.
                var ready = status.DependenciesMet(verdict.Reason, verdict.Message, verdict.Observed, generation, now);
                return await start(taskRun.WithStatus(ready));
        }
    }

    private async Task<ReconcileResult> FailOnDependenciesAsync(V2TaskRun taskRun, string reason, string message, DependencyVerdict verdict, CancellationToken cancellationToken)
    {
        // Recording the attempt makes this final until retry.attempt is raised (which evaluates again).
        var status = (taskRun.Status ?? new TaskRunStatus()).FailedOnDependencies(
            reason, message, verdict.Observed, SpecAttempt(taskRun), taskRun.Metadata.Generation, time.GetUtcNow().UtcDateTime);
        await WriteStatusAsync(taskRun, status, cancellationToken);
        await events.RecordAsync(taskRun, EventRecorder.Warning, reason, message, cancellationToken);
        logger.LogWarning("TaskRun failed on its dependencies ({Reason}): {Message}", reason, message);
        return ReconcileResult.Done;
    }
}
