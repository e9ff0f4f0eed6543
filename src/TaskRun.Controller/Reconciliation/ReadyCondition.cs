namespace TaskRun.Controller.Reconciliation;

/// <summary>
/// The <c>Ready</c> condition that kstatus, Flux and Argo CD health checks read, derived from <c>Succeeded</c>
/// (the run's outcome, as Tekton reports it): True once the TaskRun succeeded, False once it failed, Unknown
/// while a run is pending or running; reason and message are Succeeded's. Every condition's
/// <c>observedGeneration</c> is set to the generation the status is written for, so none is left stale.
/// </summary>
public static class ReadyCondition
{
    public static List<V1Condition> WithReady(List<V1Condition>? conditions, long? generation, DateTime now)
    {
        var result = conditions?.ToList() ?? [];
        var succeeded = StatusConditions.Find(result, ConditionTypes.Succeeded);
        if (succeeded is not null)
        {
            result = StatusConditions.Set(result, ConditionTypes.Ready, succeeded.Status, succeeded.Reason, succeeded.Message, generation, now);
        }

        return [.. result.Select(c => c.ObservedGeneration == generation ? c : Current(c, generation))];
    }

    private static V1Condition Current(V1Condition c, long? generation) => new()
    {
        Type = c.Type,
        Status = c.Status,
        Reason = c.Reason,
        Message = c.Message,
        LastTransitionTime = c.LastTransitionTime,
        ObservedGeneration = generation,
    };
}
