using System.Globalization;

namespace TaskRun.Controller.Scheduling;

/// <summary>How waiting in the queue and leaving it show in a TaskRun's status.</summary>
public static class QueueStatus
{
    /// <summary>"queued at position 3 of 5: scheduling.maxActiveRuns (2) is reached".</summary>
    public static string Message(QueuePlace place, int queueLength, SchedulingConfig limits, string ns)
    {
        ArgumentNullException.ThrowIfNull(place);
        ArgumentNullException.ThrowIfNull(limits);
        var limit = place.HeldBy == QueueHold.Namespace
            ? string.Create(CultureInfo.InvariantCulture, $"scheduling.maxActiveRunsPerNamespace ({limits.MaxActiveRunsPerNamespace}) is reached in namespace {ns}")
            : string.Create(CultureInfo.InvariantCulture, $"scheduling.maxActiveRuns ({limits.MaxActiveRuns}) is reached");
        return string.Create(CultureInfo.InvariantCulture, $"queued at position {place.Position} of {queueLength}: {limit}");
    }

    /// <summary>The status <paramref name="current"/> becomes while the run waits for a slot (see <see cref="TaskRunStatus.Queued"/>).</summary>
    public static TaskRunStatus Queue(TaskRunStatus current, V2TaskRun taskRun, Admission admission, DateTime now)
    {
        ArgumentNullException.ThrowIfNull(current);
        ArgumentNullException.ThrowIfNull(taskRun);
        ArgumentNullException.ThrowIfNull(admission);
        var message = Message(admission.Place!, admission.QueueLength, admission.Limits!, taskRun.Metadata.NamespaceProperty);
        return current.Queued(message, taskRun.Metadata.Generation, now);
    }

    /// <summary>
    /// When a Queued TaskRun's run starts: its Scheduled condition turns True, and the time it waited (since
    /// Scheduled turned False) is returned for the Event and the histogram. Null when it was not queued.
    /// </summary>
    public static TimeSpan? LeaveQueue(TaskRunStatus next, V2TaskRun taskRun, int run, DateTime now)
    {
        ArgumentNullException.ThrowIfNull(next);
        ArgumentNullException.ThrowIfNull(taskRun);
        var waiting = StatusConditions.Find(taskRun.Status?.Conditions, ConditionTypes.Scheduled);
        if (taskRun.Status?.Phase != Phases.Queued || waiting?.Status != "False")
        {
            return null;
        }

        var waited = waiting.LastTransitionTime is { } since && now > since ? now - since : TimeSpan.Zero;
        var message = string.Create(CultureInfo.InvariantCulture, $"run {run} admitted after {waited.TotalSeconds:0} s in the queue");
        next.Conditions = StatusConditions.Set(next.Conditions, ConditionTypes.Scheduled, "True", ConditionReasons.Admitted, message, taskRun.Metadata.Generation, now);
        return waited;
    }
}
