using TaskRun.Core.Dependencies;
using TaskRun.Core.Validation;

namespace TaskRun.Webhook.Dependencies;

/// <summary>Refuses a TaskRun whose spec.dependsOn would close a cycle with the TaskRuns that exist, naming the cycle.</summary>
internal static class DependencyCycles
{
    public static ValidationResult Check(ValidationResult result, V2TaskRun taskRun, string? requestNamespace, IDependencyGraph graph)
    {
        var name = taskRun.Metadata?.Name;
        var dependsOn = taskRun.Spec?.DependsOn;
        // A generated name cannot be depended on yet, and an invalid list is already reported.
        if (!result.IsValid || string.IsNullOrEmpty(name) || dependsOn is not { Count: > 0 })
        {
            return result;
        }

        var ns = requestNamespace ?? taskRun.Metadata?.NamespaceProperty ?? "";
        var cycle = DependencyGraph.FindCycle(name, n => n == name ? dependsOn : graph.DependsOn(ns, n));
        if (cycle is null)
        {
            return result;
        }

        var error = new FieldError("spec.dependsOn", FieldErrorType.Invalid,
            $"dependsOn would close the dependency cycle {DependencyGraph.Describe(cycle)}: no TaskRun in it could ever start; remove one of these dependencies");
        return result with { Errors = [.. result.Errors, error] };
    }
}
