namespace TaskRun.Controller.Dependencies;

public enum DependencyDecision
{
    /// <summary>No dependencies, or all of them Succeeded: the run may start.</summary>
    Proceed,

    /// <summary>Some dependency has not Succeeded yet (or does not exist yet).</summary>
    Wait,

    /// <summary>A dependency failed, was deleted, or the TaskRun is in a dependency cycle.</summary>
    Fail,
}

/// <summary>What the dependency gate decided, why (a condition reason and message), and the dependencies it saw.</summary>
public sealed record DependencyVerdict(DependencyDecision Decision, string Reason, string Message, List<ObservedDependency> Observed)
{
    public static DependencyVerdict NoDependencies { get; } = new(DependencyDecision.Proceed, "", "", []);
}
