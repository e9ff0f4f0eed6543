namespace TaskRun.Controller.Dependencies;

/// <summary>
/// Which TaskRuns depend on a given one, kept up to date from the TaskRun informer's changes, so a change to a
/// dependency wakes exactly its dependents (no polling, no scan of the cache).
/// </summary>
public sealed class DependentsIndex
{
    private readonly object gate = new();
    private readonly Dictionary<ObjectKey, HashSet<string>> dependentsByDependency = [];
    private readonly Dictionary<ObjectKey, string[]> dependsOnByTaskRun = [];

    /// <summary>Records a TaskRun's dependsOn as of <paramref name="current"/> (null: it was deleted).</summary>
    public void Update(V2TaskRun? old, V2TaskRun? current)
    {
        var key = ObjectKey.Of((current ?? old)!);
        var next = current?.Spec.DependsOn?.Distinct(StringComparer.Ordinal).ToArray() ?? [];
        lock (gate)
        {
            var previous = dependsOnByTaskRun.GetValueOrDefault(key) ?? [];
            if (previous.SequenceEqual(next))
            {
                return;
            }

            foreach (var name in previous)
            {
                var dependency = new ObjectKey(key.Namespace, name);
                if (dependentsByDependency.TryGetValue(dependency, out var set) && set.Remove(key.Name) && set.Count == 0)
                {
                    dependentsByDependency.Remove(dependency);
                }
            }

            foreach (var name in next)
            {
                var dependency = new ObjectKey(key.Namespace, name);
                if (!dependentsByDependency.TryGetValue(dependency, out var set))
                {
                    dependentsByDependency[dependency] = set = new HashSet<string>(StringComparer.Ordinal);
                }

                set.Add(key.Name);
            }

            if (next.Length == 0)
            {
                dependsOnByTaskRun.Remove(key);
            }
            else
            {
                dependsOnByTaskRun[key] = next;
            }
        }
    }

    public IReadOnlyList<ObjectKey> DependentsOf(ObjectKey dependency)
    {
        lock (gate)
        {
            return dependentsByDependency.TryGetValue(dependency, out var set)
                ? [.. set.Select(name => new ObjectKey(dependency.Namespace, name))]
                : [];
        }
    }

    /// <summary>Whether a change of a TaskRun can change what its dependents decide: its existence, identity or phase.</summary>
    public static bool MattersToDependents(V2TaskRun? old, V2TaskRun? current) =>
        old is null || current is null ||
        old.Metadata.Uid != current.Metadata.Uid ||
        old.Status?.Phase != current.Status?.Phase ||
        (old.Metadata.DeletionTimestamp is null) != (current.Metadata.DeletionTimestamp is null);
}
