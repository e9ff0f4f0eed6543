namespace TaskRun.Controller.Scheduling;

/// <summary>What holds a queued run back.</summary>
public enum QueueHold
{
    None,

    /// <summary>scheduling.maxActiveRuns is reached.</summary>
    Cluster,

    /// <summary>scheduling.maxActiveRunsPerNamespace is reached in the candidate's namespace.</summary>
    Namespace,
}

/// <summary>One candidate's place: admitted now, or queued at a 1-based position behind a limit.</summary>
public sealed record QueuePlace(RunCandidate Candidate, bool Admitted, int Position, QueueHold HeldBy);

/// <summary>Every candidate's place at one moment, in queue order.</summary>
public sealed class AdmissionPlan(IReadOnlyList<QueuePlace> places)
{
    private readonly Dictionary<ObjectKey, QueuePlace> byKey = places.ToDictionary(p => p.Candidate.Key);

    public IReadOnlyList<QueuePlace> Places => places;

    public int QueuedCount { get; } = places.Count(p => !p.Admitted);

    public QueuePlace? Find(ObjectKey key) => byKey.GetValueOrDefault(key);
}

/// <summary>
/// Pure: given the waiting candidates, the active runs per namespace and the limits, decides who is admitted
/// now and where everyone else stands. It walks the queue in <see cref="AdmissionOrder"/>, re-evaluated after
/// every pick (a pick adds to its namespace's count, which is what makes equal-priority namespaces take
/// turns): a candidate is admitted while both limits have room; one whose namespace is full is skipped (it
/// does not block other namespaces); once the cluster-wide limit is full, the rest are queued in order.
/// Cost: O(candidates × namespaces with candidates at one priority).
/// </summary>
public static class AdmissionPlanner
{
    public static AdmissionPlan Plan(IEnumerable<RunCandidate> candidates, IReadOnlyDictionary<string, int> activeByNamespace, SchedulingConfig limits)
    {
        ArgumentNullException.ThrowIfNull(candidates);
        ArgumentNullException.ThrowIfNull(activeByNamespace);
        ArgumentNullException.ThrowIfNull(limits);
        var counts = new Dictionary<string, int>(activeByNamespace, StringComparer.Ordinal);
        var total = counts.Values.Sum();
        var order = new AdmissionOrder(counts);
        var places = new List<QueuePlace>();
        var position = 0;
        foreach (var level in candidates.GroupBy(c => PriorityRank.Of(c.Priority)).OrderByDescending(g => g.Key))
        {
            // Within one priority and one namespace the order is age, then name: fixed, so each namespace is a queue.
            var byNamespace = level
                .GroupBy(c => c.Namespace, StringComparer.Ordinal)
                .Select(g => new Queue<RunCandidate>(g.Order(order)))
                .ToList();
            while (byNamespace.Count > 0)
            {
                var next = byNamespace[0];
                for (var i = 1; i < byNamespace.Count; i++)
                {
                    if (order.Compare(byNamespace[i].Peek(), next.Peek()) < 0)
                    {
                        next = byNamespace[i];
                    }
                }

                var candidate = next.Dequeue();
                if (next.Count == 0)
                {
                    byNamespace.Remove(next);
                }

                var inNamespace = counts.GetValueOrDefault(candidate.Namespace);
                var namespaceFull = limits.MaxActiveRunsPerNamespace > 0 && inNamespace >= limits.MaxActiveRunsPerNamespace;
                var clusterFull = limits.MaxActiveRuns > 0 && total >= limits.MaxActiveRuns;
                counts[candidate.Namespace] = inNamespace + 1;
                if (!namespaceFull && !clusterFull)
                {
                    total++;
                    places.Add(new QueuePlace(candidate, Admitted: true, Position: 0, QueueHold.None));
                }
                else
                {
                    // Counted as if admitted in turn, so the positions behind it follow the same fairness.
                    places.Add(new QueuePlace(candidate, Admitted: false, ++position, namespaceFull ? QueueHold.Namespace : QueueHold.Cluster));
                }
            }
        }

        return new AdmissionPlan(places);
    }
}
