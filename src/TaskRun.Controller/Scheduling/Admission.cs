namespace TaskRun.Controller.Scheduling;

/// <summary>
/// The gate's answer for one run: granted (dispose it once the start is over, so the slot is counted through
/// the Job from then on), queued (with its place), or cancelled (spec.cancel: the run never starts).
/// </summary>
public sealed class Admission : IDisposable
{
    private readonly AdmissionGate? gate;
    private readonly ObjectKey jobKey;

    private Admission(AdmissionGate? gate, ObjectKey jobKey, bool granted, bool cancelled, QueuePlace? place, int queueLength, SchedulingConfig? limits)
    {
        this.gate = gate;
        this.jobKey = jobKey;
        IsGranted = granted;
        IsCancelled = cancelled;
        Place = place;
        QueueLength = queueLength;
        Limits = limits;
    }

    /// <summary>No new Job is made (the run's Job exists already), so no slot is needed.</summary>
    public static Admission NotNeeded { get; } = new(null, default, granted: true, cancelled: false, null, 0, null);

    public static Admission Cancelled { get; } = new(null, default, granted: false, cancelled: true, null, 0, null);

    public bool IsGranted { get; }

    public bool IsCancelled { get; }

    /// <summary>Where a queued run stands; null when granted or cancelled.</summary>
    public QueuePlace? Place { get; }

    /// <summary>How many runs are queued in all, this one included.</summary>
    public int QueueLength { get; }

    public SchedulingConfig? Limits { get; }

    internal static Admission Granted(AdmissionGate gate, ObjectKey jobKey) => new(gate, jobKey, granted: true, cancelled: false, null, 0, null);

    internal static Admission Queued(QueuePlace place, int queueLength, SchedulingConfig limits) =>
        new(null, default, granted: false, cancelled: false, place, queueLength, limits);

    public void Dispose() => gate?.Settle(jobKey);
}
