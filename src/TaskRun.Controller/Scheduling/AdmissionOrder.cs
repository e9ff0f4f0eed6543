namespace TaskRun.Controller.Scheduling;

/// <summary>
/// The queue order at one moment: higher priority first; at equal priority the namespace with fewer active
/// runs; then the older TaskRun (creation time), then the name and namespace (so the order is total and every
/// replica computes the same one from the same cluster state).
/// </summary>
public sealed class AdmissionOrder(IReadOnlyDictionary<string, int> activeByNamespace) : IComparer<RunCandidate>
{
    public int Compare(RunCandidate? x, RunCandidate? y)
    {
        if (ReferenceEquals(x, y))
        {
            return 0;
        }

        if (x is null || y is null)
        {
            return x is null ? 1 : -1;
        }

        var byPriority = PriorityRank.Of(y.Priority).CompareTo(PriorityRank.Of(x.Priority));
        if (byPriority != 0)
        {
            return byPriority;
        }

        var byFairness = Active(x.Namespace).CompareTo(Active(y.Namespace));
        if (byFairness != 0)
        {
            return byFairness;
        }

        var byAge = x.CreatedAt.CompareTo(y.CreatedAt);
        if (byAge != 0)
        {
            return byAge;
        }

        var byName = string.CompareOrdinal(x.Key.Name, y.Key.Name);
        return byName != 0 ? byName : string.CompareOrdinal(x.Namespace, y.Namespace);
    }

    private int Active(string ns) => activeByNamespace.GetValueOrDefault(ns);
}
