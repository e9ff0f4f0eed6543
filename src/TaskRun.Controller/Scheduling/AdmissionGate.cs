namespace TaskRun.Controller.Scheduling;

/// <summary>The active runs per namespace and every waiting candidate's place, at one moment.</summary>
public sealed record SchedulingSnapshot(AdmissionPlan Plan, IReadOnlyDictionary<string, int> ActiveByNamespace, SchedulingConfig Limits)
{
    public int ActiveTotal => ActiveByNamespace.Values.Sum();
}

/// <summary>
/// Decides, one decision at a time, whether a run may create its Job now. Workers run in parallel, so every
/// decision takes one lock and counts the active Jobs in the cache plus the starts already admitted whose Job
/// is not in the cache yet (reservations): no two workers can both take the last slot. The queue itself is not
/// kept here: it is the TaskRuns in phase Queued in the cache, so a new leader continues in the same order.
/// </summary>
public sealed class AdmissionGate(ObjectCache<V2TaskRun> taskRuns, ObjectCache<V1Job> jobs, Func<ControllerConfig> config, TimeProvider time)
{
    /// <summary>How long an admitted start whose Job never showed up (its write failed) keeps its slot.</summary>
    public static readonly TimeSpan UnconfirmedStartGrace = TimeSpan.FromSeconds(30);

    private readonly object decisions = new();

    /// <summary>Admitted starts by Job key: held while the start runs, then until the Job is in the cache.</summary>
    private readonly Dictionary<ObjectKey, Reservation> reservations = [];

    /// <summary>Asks for a slot for <paramref name="taskRun"/>'s next run, whose Job will be <paramref name="jobName"/>.</summary>
    public Admission Request(V2TaskRun taskRun, string jobName)
    {
        ArgumentNullException.ThrowIfNull(taskRun);
        if (taskRun.Spec.Cancel == true)
        {
            // A cancelled TaskRun never takes a slot: it ends without a Job.
            return Admission.Cancelled;
        }

        var jobKey = new ObjectKey(taskRun.Metadata.NamespaceProperty ?? "", jobName);
        var reservation = new Reservation(ObjectKey.Of(taskRun), taskRun.Metadata.Uid ?? "", SettlesAt: null);
        lock (decisions)
        {
            var limits = config().Scheduling;
            Purge();
            if (reservations.TryGetValue(jobKey, out var earlier) && earlier.Uid == reservation.Uid)
            {
                // An earlier start of this very run was admitted (and failed or is unconfirmed): it keeps its slot.
                reservations[jobKey] = reservation;
                return Admission.Granted(this, jobKey);
            }

            if (!limits.IsLimited)
            {
                reservations[jobKey] = reservation;
                return Admission.Granted(this, jobKey);
            }

            var snapshot = Compute(limits, taskRun);
            var place = snapshot.Plan.Find(ObjectKey.Of(taskRun))!;
            if (!place.Admitted)
            {
                return Admission.Queued(place, snapshot.Plan.QueuedCount, limits);
            }

            reservations[jobKey] = reservation;
            return Admission.Granted(this, jobKey);
        }
    }

    /// <summary>The queue as it stands: for the kicker (who is admissible now) and the metrics.</summary>
    public SchedulingSnapshot Snapshot()
    {
        lock (decisions)
        {
            Purge();
            return Compute(config().Scheduling, requester: null);
        }
    }

    /// <summary>Starts admitted and not yet settled, or settled without their Job in the cache yet.</summary>
    public int Reserved
    {
        get
        {
            lock (decisions)
            {
                return reservations.Count;
            }
        }
    }

    /// <summary>The start is over: its Job is in the cache (and counted there), or its slot is kept a short while.</summary>
    internal void Settle(ObjectKey jobKey)
    {
        lock (decisions)
        {
            if (!reservations.TryGetValue(jobKey, out var reservation))
            {
                return;
            }

            if (jobs.Get(jobKey) is not null)
            {
                reservations.Remove(jobKey);
            }
            else
            {
                reservations[jobKey] = reservation with { SettlesAt = time.GetUtcNow() + UnconfirmedStartGrace };
            }
        }
    }

    private SchedulingSnapshot Compute(SchedulingConfig limits, V2TaskRun? requester)
    {
        var active = ActiveRuns.Of(jobs.List(), taskRuns.Get).ToHashSet();
        active.UnionWith(reservations.Keys);
        var byNamespace = active.GroupBy(k => k.Namespace, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        var starting = reservations.Values.Select(r => r.Uid).ToHashSet(StringComparer.Ordinal);
        var requesterKey = requester is null ? (ObjectKey?)null : ObjectKey.Of(requester);
        var candidates = taskRuns
            .List(t => t.Status?.Phase == Phases.Queued && t.Metadata.DeletionTimestamp is null && t.Spec.Cancel != true &&
                       !starting.Contains(t.Metadata.Uid ?? "") && ObjectKey.Of(t) != requesterKey)
            .Select(RunCandidate.Of)
            .ToList();
        if (requester is not null)
        {
            candidates.Add(RunCandidate.Of(requester));
        }

        return new SchedulingSnapshot(AdmissionPlanner.Plan(candidates, byNamespace, limits), byNamespace, limits);
    }

    /// <summary>Drops reservations now counted through the cache, expired ones, and those of TaskRuns gone or replaced.</summary>
    private void Purge()
    {
        var now = time.GetUtcNow();
        foreach (var (jobKey, reservation) in reservations.ToList())
        {
            if (jobs.Get(jobKey) is not null ||
                reservation.SettlesAt <= now ||
                taskRuns.Get(reservation.TaskRun) is not { } owner || owner.Metadata.Uid != reservation.Uid || owner.Metadata.DeletionTimestamp is not null)
            {
                reservations.Remove(jobKey);
            }
        }
    }

    private sealed record Reservation(ObjectKey TaskRun, string Uid, DateTimeOffset? SettlesAt);
}
