namespace TaskRun.Runtime;

/// <summary>What a reconcile asks of the queue: nothing more, or another look after a delay. Errors are thrown.</summary>
public sealed record ReconcileResult(TimeSpan? RequeueAfter)
{
    public static ReconcileResult Done { get; } = new((TimeSpan?)null);

    public static ReconcileResult After(TimeSpan delay) => new(delay < TimeSpan.Zero ? TimeSpan.Zero : delay);
}
