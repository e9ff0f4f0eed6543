namespace TaskRun.Runtime;

/// <summary>
/// Brings the world in line with the object behind one key. Never called for the same key by two workers at
/// once; a thrown exception requeues the key with backoff.
/// </summary>
public interface IReconciler<TKey>
{
    Task<ReconcileResult> ReconcileAsync(TKey key, CancellationToken cancellationToken);
}

/// <summary>What a controller does with failed reconciles beyond logging and the requeue; optional.</summary>
public interface IReconcileErrorReporter<TKey>
{
    /// <summary>An expected failure (e.g. a write conflict the next pass resolves) is logged at Information and not reported.</summary>
    bool IsExpected(Exception failure);

    /// <summary>Called after an unexpected failure was requeued, with the failures in a row and the retry delay.</summary>
    Task ReportAsync(TKey key, Exception failure, int failures, TimeSpan retryIn, CancellationToken cancellationToken);
}
