using System.Globalization;
using TaskRun.Core.Dependencies;

namespace TaskRun.Controller.Dependencies;

/// <summary>
/// Decides from the TaskRun cache whether a TaskRun's run may start: every name in spec.dependsOn must be a
/// Succeeded TaskRun of the same namespace. Pure (no writes), so the reconciler owns every status change.
/// The order of checks is the order of severity: a cycle can never resolve, a deleted or failed dependency
/// never will by itself, and anything else is worth waiting for.
/// </summary>
public static class DependencyGate
{
    /// <summary>Longest part of a failed dependency's own message quoted in the dependent's.</summary>
    private const int QuotedMessageLength = 200;

    /// <param name="taskRun">The TaskRun about to start a run.</param>
    /// <param name="lookup">A TaskRun of the same namespace by name, or null when there is none.</param>
    public static DependencyVerdict Evaluate(V2TaskRun taskRun, Func<string, V2TaskRun?> lookup)
    {
        ArgumentNullException.ThrowIfNull(taskRun);
        ArgumentNullException.ThrowIfNull(lookup);
        var name = taskRun.Metadata.Name;
        var dependsOn = taskRun.Spec.DependsOn;
        if (dependsOn is not { Count: > 0 })
        {
            return DependencyVerdict.NoDependencies;
        }

        var cycle = DependencyGraph.FindCycle(name, n => n == name ? dependsOn : lookup(n)?.Spec.DependsOn);
        if (cycle is not null)
        {
            return new(DependencyDecision.Fail, ConditionReasons.DependencyCycle,
                $"dependency cycle {DependencyGraph.Describe(cycle)}: none of these TaskRuns can ever start; remove one of the dependsOn entries and raise retry.attempt", []);
        }

        // Only what was seen during this wait counts: a manual retry starts a fresh wait.
        var seenWhileWaiting = taskRun.Status?.Phase == Phases.Waiting
            ? (taskRun.Status.Dependencies ?? []).Where(d => d.Name is not null).ToDictionary(d => d.Name!, d => d.Uid, StringComparer.Ordinal)
            : [];
        var observed = new List<ObservedDependency>();
        var deleted = new List<string>();
        var failed = new List<string>();
        var waiting = new List<string>();
        foreach (var dependencyName in dependsOn.Distinct(StringComparer.Ordinal))
        {
            var dependency = lookup(dependencyName);
            var seenUid = seenWhileWaiting.GetValueOrDefault(dependencyName);
            if (dependency is null && seenUid is null)
            {
                waiting.Add($"{dependencyName} (not created yet)");
                continue;
            }

            if (dependency is null || dependency.Metadata.DeletionTimestamp is not null || (seenUid is not null && seenUid != dependency.Metadata.Uid))
            {
                deleted.Add(dependencyName);
                continue;
            }

            observed.Add(new ObservedDependency { Name = dependencyName, Uid = dependency.Metadata.Uid });
            switch (dependency.Status?.Phase)
            {
                case Phases.Succeeded:
                    break;
                case Phases.Failed:
                    failed.Add(DescribeFailure(dependencyName, dependency));
                    break;
                case var phase:
                    waiting.Add($"{dependencyName} ({phase ?? "not started"})");
                    break;
            }
        }

        if (deleted.Count > 0)
        {
            return new(DependencyDecision.Fail, ConditionReasons.DependencyDeleted,
                $"{Plural(deleted.Count, "dependency", "dependencies")} {string.Join(", ", deleted)} deleted while this TaskRun waited; recreate {(deleted.Count == 1 ? "it" : "them")} (or change dependsOn) and raise retry.attempt", observed);
        }

        if (failed.Count > 0)
        {
            return new(DependencyDecision.Fail, ConditionReasons.DependencyFailed,
                $"{string.Join("; ", failed)}; retry the dependency, then raise this TaskRun's retry.attempt", observed);
        }

        if (waiting.Count > 0)
        {
            return new(DependencyDecision.Wait, ConditionReasons.Waiting, $"waiting for {string.Join(", ", waiting)}", observed);
        }

        return new(DependencyDecision.Proceed, ConditionReasons.DependenciesSucceeded,
            $"{Plural(observed.Count, "dependency", "dependencies")} succeeded: {string.Join(", ", observed.Select(d => d.Name))}", observed);
    }

    private static string DescribeFailure(string name, V2TaskRun dependency)
    {
        var condition = dependency.Status?.Conditions?.FirstOrDefault(c => c.Type == ConditionTypes.Succeeded);
        var reason = condition?.Reason ?? "Failed";
        var message = dependency.Status?.Message ?? condition?.Message ?? "";
        if (message.Length > QuotedMessageLength)
        {
            message = message[..QuotedMessageLength] + "…";
        }

        return message.Length == 0 ? $"dependency {name} failed ({reason})" : $"dependency {name} failed ({reason}: {message})";
    }

    private static string Plural(int count, string one, string many) =>
        count == 1 ? one : string.Create(CultureInfo.InvariantCulture, $"{count} {many}");
}
