namespace TaskRun.Core.Api;

/// <summary>
/// The status transitions the controller makes, one method each. Each returns a new status and leaves this one
/// untouched (a status read from the cache is shared with other readers); every field a transition does not
/// name is carried over as it is.
/// </summary>
public sealed partial class TaskRunStatus
{
    /// <summary>
    /// A copy of every field, with its own conditions list. Copied member by member, so a field added to this
    /// type later is carried over without being listed here.
    /// </summary>
    public TaskRunStatus Clone()
    {
        var copy = (TaskRunStatus)MemberwiseClone();
        copy.Conditions = Conditions?.ToList();
        return copy;
    }

    /// <summary>
    /// Run <paramref name="run"/> is about to start: its number and retry count, no retry due, nothing finished
    /// or said by the agent yet, and the retry.attempt it answers recorded. The first run's start time stays.
    /// </summary>
    public TaskRunStatus StartingRun(int run, int retryCount, int observedRetryAttempt, DateTime now)
    {
        var next = Clone();
        next.Attempt = run;
        next.RetryCount = retryCount;
        next.NextRetryTime = null;
        next.CompletionTime = null;
        next.AgentMessage = null;
        next.ObservedRetryAttempt = observedRetryAttempt;
        next.StartTime ??= now;
        return next;
    }

    /// <summary>The run's ConfigMap and Job exist: ConfigMapReady and JobCreated are True.</summary>
    public TaskRunStatus ChildrenCreated(string configMapName, string jobName, long? generation, DateTime now)
    {
        var next = Clone();
        next.Conditions = StatusConditions.Set(next.Conditions, ConditionTypes.ConfigMapReady, "True", "Created", $"ConfigMap {configMapName} holds the run's files", generation, now);
        next.Conditions = StatusConditions.Set(next.Conditions, ConditionTypes.JobCreated, "True", "Created", $"Job {jobName} created", generation, now);
        return next;
    }

    /// <summary>
    /// Run <paramref name="run"/> is Running with these children. The message and Succeeded=Unknown/Running are
    /// set only when entering that state: an unchanged running state keeps its message, so a repeated reconcile
    /// writes nothing.
    /// </summary>
    public TaskRunStatus Running(int run, string configMapName, string jobName, string message, long? generation, DateTime now)
    {
        var next = Clone();
        next.Phase = Phases.Running;
        next.Attempt = run;
        next.ConfigMapName = configMapName;
        next.JobName = jobName;
        if (Phase == Phases.Running && Attempt == run && StatusConditions.Find(Conditions, ConditionTypes.Succeeded)?.Reason == ConditionReasons.Running)
        {
            return next;
        }

        next.Message = message;
        next.Conditions = StatusConditions.Set(next.Conditions, ConditionTypes.Succeeded, "Unknown", ConditionReasons.Running, message, generation, now);
        return next;
    }

    /// <summary>The run failed and the next starts at <paramref name="retryAt"/>: Pending, Succeeded=Unknown/RetryScheduled.</summary>
    public TaskRunStatus RetryScheduled(string message, DateTime retryAt, long? generation, DateTime now)
    {
        var next = Clone();
        next.Phase = Phases.Pending;
        next.Message = message;
        next.NextRetryTime = retryAt;
        next.Conditions = StatusConditions.Set(next.Conditions, ConditionTypes.Succeeded, "Unknown", ConditionReasons.RetryScheduled, message, generation, now);
        return next;
    }

    /// <summary>
    /// The outcome is final (<paramref name="phase"/> is Succeeded or Failed): completed now, no retry due,
    /// Succeeded True or False with <paramref name="reason"/>. The retry.attempt acted on is recorded unless one is already.
    /// </summary>
    public TaskRunStatus Finished(string phase, string reason, string message, int observedRetryAttempt, long? generation, DateTime now)
    {
        var next = Clone();
        next.Phase = phase;
        next.Message = message;
        next.CompletionTime = now;
        next.NextRetryTime = null;
        next.ObservedRetryAttempt ??= observedRetryAttempt;
        next.Conditions = StatusConditions.Set(next.Conditions, ConditionTypes.Succeeded, phase == Phases.Succeeded ? "True" : "False", reason, message, generation, now);
        return next;
    }

    /// <summary>
    /// Failed for a reason retrying cannot fix (an invalid spec, a name held by another object, a foreign
    /// workspace); final until retry.attempt is raised past <paramref name="observedRetryAttempt"/>. With a
    /// <paramref name="run"/>, the status names that run and drops a scheduled retry.
    /// </summary>
    public TaskRunStatus FailedTerminally(int? run, string reason, string message, int observedRetryAttempt, long? generation, DateTime now)
    {
        var next = Clone();
        next.Phase = Phases.Failed;
        next.Message = message;
        if (run is not null)
        {
            next.Attempt = run;
            next.NextRetryTime = null;
        }

        next.CompletionTime = now;
        next.ObservedRetryAttempt = observedRetryAttempt;
        next.Conditions = StatusConditions.Set(next.Conditions, ConditionTypes.Succeeded, "False", reason, message, generation, now);
        return next;
    }

    /// <summary>Waiting for dependencies that have not succeeded yet: DependenciesReady=False and Succeeded=Unknown, both Waiting.</summary>
    public TaskRunStatus WaitingForDependencies(string message, List<ObservedDependency>? observed, long? generation, DateTime now)
    {
        var next = Clone();
        next.Phase = Phases.Waiting;
        next.Message = message;
        next.Dependencies = observed;
        next.Conditions = StatusConditions.Set(next.Conditions, ConditionTypes.DependenciesReady, "False", ConditionReasons.Waiting, message, generation, now);
        next.Conditions = StatusConditions.Set(next.Conditions, ConditionTypes.Succeeded, "Unknown", ConditionReasons.Waiting, message, generation, now);
        return next;
    }

    /// <summary>Every dependency succeeded: DependenciesReady=True. The phase is left to the run that starts now.</summary>
    public TaskRunStatus DependenciesMet(string reason, string message, List<ObservedDependency>? observed, long? generation, DateTime now)
    {
        var next = Clone();
        next.Dependencies = observed;
        next.Conditions = StatusConditions.Set(next.Conditions, ConditionTypes.DependenciesReady, "True", reason, message, generation, now);
        return next;
    }

    /// <summary>
    /// A dependency failed, was deleted or closes a cycle (or the TaskRun was cancelled while waiting): Failed,
    /// DependenciesReady and Succeeded False with <paramref name="reason"/>; final until retry.attempt is raised.
    /// </summary>
    public TaskRunStatus FailedOnDependencies(string reason, string message, List<ObservedDependency>? observed, int observedRetryAttempt, long? generation, DateTime now)
    {
        var next = Clone();
        next.Phase = Phases.Failed;
        next.Message = message;
        next.CompletionTime = now;
        next.NextRetryTime = null;
        next.Dependencies = observed;
        next.ObservedRetryAttempt = observedRetryAttempt;
        next.Conditions = StatusConditions.Set(next.Conditions, ConditionTypes.DependenciesReady, "False", reason, message, generation, now);
        next.Conditions = StatusConditions.Set(next.Conditions, ConditionTypes.Succeeded, "False", reason, message, generation, now);
        return next;
    }

    /// <summary>
    /// No slot for the next run: Queued, Succeeded=Unknown and Scheduled=False. Attempt, retry count,
    /// nextRetryTime and observedRetryAttempt stay as they are: they still say which run is to start.
    /// </summary>
    public TaskRunStatus Queued(string message, long? generation, DateTime now)
    {
        var next = Clone();
        next.Phase = Phases.Queued;
        next.Message = message;
        next.Conditions = StatusConditions.Set(next.Conditions, ConditionTypes.Succeeded, "Unknown", ConditionReasons.Queued, message, generation, now);
        next.Conditions = StatusConditions.Set(next.Conditions, ConditionTypes.Scheduled, "False", ConditionReasons.Queued, message, generation, now);
        return next;
    }
}
