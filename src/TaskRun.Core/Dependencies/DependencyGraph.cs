namespace TaskRun.Core.Dependencies;

/// <summary>
/// The spec.dependsOn graph of one namespace, as the webhook (at admission) and the controller (before a run
/// starts) see it. Only cycles through a given TaskRun matter to either: that is the object being admitted or
/// the one about to wait, so the search starts there and stops at the first way back.
/// </summary>
public static class DependencyGraph
{
    /// <summary>
    /// The shortest cycle through <paramref name="start"/> (e.g. <c>[a, b, c, a]</c>), or null when there is none.
    /// <paramref name="dependsOn"/> gives a TaskRun's dependencies by name; null for one that does not exist.
    /// </summary>
    public static IReadOnlyList<string>? FindCycle(string start, Func<string, IReadOnlyList<string>?> dependsOn)
    {
        ArgumentNullException.ThrowIfNull(start);
        ArgumentNullException.ThrowIfNull(dependsOn);

        // Breadth first from start: the first edge back to start closes the shortest cycle, and every TaskRun is
        // visited at most once, so a graph of any shape (even one with other cycles) costs one pass.
        var cameFrom = new Dictionary<string, string>(StringComparer.Ordinal);
        var frontier = new Queue<string>();
        frontier.Enqueue(start);
        while (frontier.Count > 0)
        {
            var current = frontier.Dequeue();
            foreach (var next in dependsOn(current) ?? [])
            {
                if (next == start)
                {
                    return PathTo(current, start, cameFrom);
                }

                if (next is not null && cameFrom.TryAdd(next, current))
                {
                    frontier.Enqueue(next);
                }
            }
        }

        return null;
    }

    /// <summary>A cycle as users read it: <c>a → b → a</c>.</summary>
    public static string Describe(IReadOnlyList<string> cycle) => string.Join(" → ", cycle);

    private static List<string> PathTo(string last, string start, Dictionary<string, string> cameFrom)
    {
        var path = new List<string> { start };
        for (var node = last; node != start; node = cameFrom[node])
        {
            path.Add(node);
        }

        path.Add(start);
        // Collected backwards from the edge into start; keep start first and reverse the middle.
        path.Reverse(1, path.Count - 2);
        return path;
    }
}
