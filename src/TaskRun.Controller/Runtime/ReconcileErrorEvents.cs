using TaskRun.Controller.Reconciliation;

namespace TaskRun.Controller.Runtime;

/// <summary>
/// A Warning Event on the TaskRun for the 1st, 2nd, 4th, 8th… failed reconcile in a row: users see a stuck
/// TaskRun's reason in <c>kubectl describe</c>, and a failing API server is not flooded with Events.
/// </summary>
internal sealed class ReconcileErrorEvents(ObjectCache<V2TaskRun> taskRuns, EventRecorder events) : IReconcileErrorReporter<ObjectKey>
{
    /// <summary>A write raced another (e.g. a delivered notification leaving the status): the next pass reads the newer object.</summary>
    public bool IsExpected(Exception failure) => KubernetesErrors.IsConflict(failure);

    public async Task ReportAsync(ObjectKey key, Exception failure, int failures, TimeSpan retryIn, CancellationToken cancellationToken)
    {
        var taskRun = taskRuns.Get(key);
        if (taskRun is null || (failures & (failures - 1)) != 0)
        {
            return;
        }

        // The Event tells what failed, never what the API server sent back: a 422 body can hold another object's contents.
        await events.RecordAsync(taskRun, EventRecorder.Warning, "ReconcileError",
            $"reconcile failed ({failures} in a row), retrying in {retryIn.TotalSeconds:0.#}s: {KubernetesErrors.Describe(failure)}", cancellationToken);
    }
}
