namespace TaskRun.Controller.Scheduling;

/// <summary>A TaskRun whose next run waits for a slot: what the queue order needs of it, and nothing else.</summary>
public sealed record RunCandidate(ObjectKey Key, string Uid, string Priority, DateTime CreatedAt)
{
    public string Namespace => Key.Namespace;

    public static RunCandidate Of(V2TaskRun taskRun)
    {
        ArgumentNullException.ThrowIfNull(taskRun);
        return new(ObjectKey.Of(taskRun), taskRun.Metadata.Uid ?? "", taskRun.Spec.Priority ?? Priorities.Default,
            taskRun.Metadata.CreationTimestamp ?? DateTime.MinValue);
    }
}

/// <summary>critical (3) &gt; high (2) &gt; medium (1) &gt; low (0); anything else counts as the default, medium.</summary>
public static class PriorityRank
{
    public static int Of(string? priority) => priority switch
    {
        Priorities.Critical => 3,
        Priorities.High => 2,
        Priorities.Low => 0,
        _ => 1,
    };
}
