namespace TaskRun.Controller.Scheduling;

/// <summary>
/// Wakes queued TaskRuns when a slot may have freed: a Job finished or went away, a TaskRun left the queue
/// without a run (cancelled, deleted), the config changed (a raised limit admits at once). It enqueues only
/// those the plan admits now, so a burst of queued TaskRuns is not reconciled on every event. Signals are
/// coalesced into one pass; a pass also runs every <see cref="QueueKickerOptions.Tick"/> as a safety net,
/// updates the metrics, and every <see cref="QueueKickerOptions.PositionRefresh"/> enqueues the queued TaskRuns
/// at the head of the queue whose recorded position has moved (so messages stay roughly right without a write
/// per slot).
/// </summary>
public sealed class QueueKicker(AdmissionGate gate, Action<ObjectKey> enqueue, ObjectCache<V2TaskRun> taskRuns, SchedulingMetrics metrics,
    QueueKickerOptions options, TimeProvider time, ILogger logger) : IDisposable
{
    private readonly SemaphoreSlim signal = new(0, 1);

    /// <summary>Asks for a pass soon; any number of calls before it runs make one pass.</summary>
    public void Kick()
    {
        try
        {
            signal.Release();
        }
        catch (SemaphoreFullException)
        {
            // A pass is already due.
        }
        catch (ObjectDisposedException)
        {
        }
    }

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var lastRefresh = time.GetTimestamp();
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await signal.WaitAsync(options.Tick, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            try
            {
                var refresh = time.GetElapsedTime(lastRefresh) >= options.PositionRefresh;
                Pass(refresh);
                if (refresh)
                {
                    lastRefresh = time.GetTimestamp();
                }
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                logger.LogWarning(e, "run queue pass failed; the next one retries");
            }
        }
    }

    public void Dispose() => signal.Dispose();

    private void Pass(bool refreshPositions)
    {
        var snapshot = gate.Snapshot();
        metrics.Update(snapshot);
        foreach (var place in snapshot.Plan.Places)
        {
            if (place.Admitted)
            {
                enqueue(place.Candidate.Key);
            }
            else if (refreshPositions && place.Position <= options.PositionRefreshDepth && taskRuns.Get(place.Candidate.Key)?.Status?.Message !=
                     QueueStatus.Message(place, snapshot.Plan.QueuedCount, snapshot.Limits, place.Candidate.Namespace))
            {
                enqueue(place.Candidate.Key);
            }
        }
    }
}

public sealed record QueueKickerOptions
{
    public TimeSpan Tick { get; init; } = TimeSpan.FromSeconds(1);

    public TimeSpan PositionRefresh { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Only the head of the queue is refreshed: a refresh is a status write per moved TaskRun, and rewriting a
    /// deep queue every period would put hundreds of writes in the work queue ahead of the admissions.
    /// </summary>
    public int PositionRefreshDepth { get; init; } = 100;
}
