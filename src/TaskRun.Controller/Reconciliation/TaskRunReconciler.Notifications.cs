using TaskRun.Controller.Notifications;

namespace TaskRun.Controller.Reconciliation;

/// <summary>
/// Every status write that changes the phase also records the transition's notification in that same write
/// (see <see cref="TransitionNotifications"/>); <see cref="NotificationDispatcher"/> delivers it later.
/// </summary>
public sealed partial class TaskRunReconciler
{
    private void RecordTransition(V2TaskRun taskRun, TaskRunStatus next)
    {
        var dropped = TransitionNotifications.Record(taskRun, next, config().Notifications, time.GetUtcNow().UtcDateTime);
        if (dropped > 0)
        {
            metrics.NotificationsDropped(dropped);
        }
    }
}
