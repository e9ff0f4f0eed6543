using Microsoft.Extensions.Logging;

namespace TaskRun.Runtime;

/// <summary>
/// N workers over one <see cref="WorkQueue{TKey}"/>, each taking a key and calling the reconciler, as
/// controller-runtime's controller does: the queue never hands one key to two workers; a success forgets the
/// key's failures and honours a requested requeue-after; a failure requeues the key with per-key backoff.
/// </summary>
public sealed class ControllerLoop<TKey> where TKey : notnull
{
    private readonly WorkQueue<TKey> queue;
    private readonly IReconciler<TKey> reconciler;
    private readonly IReconcileErrorReporter<TKey>? errors;
    private readonly IControllerMetrics metrics;
    private readonly TimeProvider time;
    private readonly ILogger logger;

    public ControllerLoop(
        WorkQueue<TKey> queue,
        IReconciler<TKey> reconciler,
        IControllerMetrics? metrics,
        TimeProvider time,
        ILogger logger,
        IReconcileErrorReporter<TKey>? errors = null)
    {
        this.queue = queue ?? throw new ArgumentNullException(nameof(queue));
        this.reconciler = reconciler ?? throw new ArgumentNullException(nameof(reconciler));
        this.metrics = metrics ?? IControllerMetrics.None;
        this.time = time ?? throw new ArgumentNullException(nameof(time));
        this.logger = logger ?? throw new ArgumentNullException(nameof(logger));
        this.errors = errors;
    }

    /// <summary>Runs <paramref name="workers"/> workers until <paramref name="cancellationToken"/> fires.</summary>
    public Task RunAsync(int workers, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(workers, 1);
        metrics.SetWorkers(workers);
        return Task.WhenAll(Enumerable.Range(0, workers).Select(_ => WorkAsync(cancellationToken)));
    }

    private async Task WorkAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            TKey key;
            try
            {
                key = await queue.TakeAsync(cancellationToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            try
            {
                await ProcessAsync(key, cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            finally
            {
                queue.Done(key);
            }
        }
    }

    private async Task ProcessAsync(TKey key, CancellationToken cancellationToken)
    {
        var started = time.GetTimestamp();
        using var working = metrics.WorkStarted();
        try
        {
            var result = await reconciler.ReconcileAsync(key, cancellationToken);
            metrics.Reconciled(success: true, time.GetElapsedTime(started), requeueAfter: result.RequeueAfter is not null);
            queue.Forget(key);
            if (result.RequeueAfter is { } delay)
            {
                queue.AddAfter(key, delay);
            }
        }
        catch (Exception e) when (!(e is OperationCanceledException && cancellationToken.IsCancellationRequested))
        {
            metrics.Reconciled(success: false, time.GetElapsedTime(started));
            var delay = queue.AddRateLimited(key);
            if (errors?.IsExpected(e) == true)
            {
                logger.LogInformation("reconcile of {Key} hit an expected error ({Error}); retrying in {Delay}", key, e.Message, delay);
                return;
            }

            logger.LogWarning(e, "reconcile of {Key} failed; retrying in {Delay}", key, delay);
            if (errors is not null)
            {
                await errors.ReportAsync(key, e, queue.Failures(key), delay, cancellationToken);
            }
        }
    }
}
