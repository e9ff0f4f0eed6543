using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace TaskRun.Controller.Notifications;

/// <summary>
/// Turns a phase transition into a pending notification in the status being written, so the notification is
/// persisted in the same write as the transition itself: whoever leads next finds it there and delivers it.
/// </summary>
public static class TransitionNotifications
{
    /// <summary>The most of a status message an event carries.</summary>
    public const int MaxMessageLength = 1024;

    /// <summary>Adds a pending notification to <paramref name="next"/> when its phase differs from the TaskRun's current one.</summary>
    /// <returns>How many older undelivered notifications were dropped to stay within the status bound.</returns>
    public static int Record(V2TaskRun taskRun, TaskRunStatus next, NotificationsConfig config, DateTime now)
    {
        ArgumentNullException.ThrowIfNull(taskRun);
        ArgumentNullException.ThrowIfNull(next);
        ArgumentNullException.ThrowIfNull(config);
        var phase = next.Phase;
        if (phase is null || phase == taskRun.Status?.Phase || !config.Sinks.Any(s => s.Wants(phase)))
        {
            return 0;
        }

        var pending = new PendingNotification
        {
            Id = EventId(taskRun.Metadata.Uid, next.Attempt, phase, now),
            Phase = phase,
            Time = now,
            Run = next.Attempt,
            Reason = next.Conditions?.FirstOrDefault(c => c.Type == ConditionTypes.Succeeded)?.Reason,
            Message = next.Message is { Length: > MaxMessageLength } text ? text[..MaxMessageLength] + "…" : next.Message,
            JobName = next.JobName,
        };
        var list = next.Notifications?.ToList() ?? [];
        list.Add(pending);
        var dropped = Math.Max(0, list.Count - SpecLimits.MaxPendingNotifications);
        next.Notifications = list.Skip(dropped).ToList();
        return dropped;
    }

    /// <summary>
    /// The ce-id of a transition: derived from what identifies it (the TaskRun's uid, the run, the phase entered
    /// and when), computed once and stored with the pending notification, so every redelivery carries the same id.
    /// </summary>
    public static string EventId(string uid, int? run, string phase, DateTime time)
    {
        var identity = string.Create(CultureInfo.InvariantCulture, $"{uid}/{run}/{phase}/{time.ToUniversalTime().Ticks}");
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(identity)))[..32];
    }
}
