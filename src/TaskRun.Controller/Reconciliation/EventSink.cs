using System.Threading.Channels;

namespace TaskRun.Controller.Reconciliation;

/// <summary>
/// Writes Kubernetes Events in the background, so a reconcile never waits for one: an Event is a round trip
/// per transition that nothing downstream of the reconcile depends on. The queue is bounded; when it is full
/// (an API server that refuses Events for a long time) new Events are dropped and counted in the log, never
/// blocking a reconcile. A failed write is logged, as an inline one was. On stop, what is queued is written
/// for up to <see cref="DrainTimeout"/> more.
/// </summary>
public sealed class EventSink(IKubernetes client, ILogger<EventSink> logger, int capacity = EventSink.DefaultCapacity, int writers = EventSink.DefaultWriters)
{
    /// <summary>Room for a burst of transitions (1,000 TaskRuns created at once make 1,000 RunStarted Events).</summary>
    public const int DefaultCapacity = 4096;

    /// <summary>Concurrent Event writes: enough to keep up with the reconcile workers, few enough not to crowd them out.</summary>
    public const int DefaultWriters = 2;

    private readonly Channel<Corev1Event> queue = Channel.CreateBounded<Corev1Event>(
        new BoundedChannelOptions(capacity) { FullMode = BoundedChannelFullMode.Wait, SingleReader = false, SingleWriter = false });

    private long dropped;

    public static TimeSpan DrainTimeout { get; } = TimeSpan.FromSeconds(2);

    /// <summary>Events not written because the queue was full.</summary>
    public long Dropped => Interlocked.Read(ref dropped);

    /// <summary>Queues <paramref name="evt"/> for writing; false (and logged) when the queue is full.</summary>
    public bool Enqueue(Corev1Event evt)
    {
        ArgumentNullException.ThrowIfNull(evt);
        if (queue.Writer.TryWrite(evt))
        {
            return true;
        }

        var count = Interlocked.Increment(ref dropped);
        // The first drop and every 100th after it: a flood of drops must not become a flood of log lines.
        if (count == 1 || count % 100 == 0)
        {
            logger.LogWarning("event queue full: dropped event {Reason} on {Namespace}/{Name} ({Dropped} dropped so far)",
                evt.Reason, evt.Metadata.NamespaceProperty, evt.InvolvedObject.Name, count);
        }

        return false;
    }

    /// <summary>Writes queued Events until cancelled, then what is still queued for up to <see cref="DrainTimeout"/>.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        using var drain = new CancellationTokenSource();
        using var stopping = cancellationToken.Register(() =>
        {
            queue.Writer.TryComplete();
            drain.CancelAfter(DrainTimeout);
        });
        await Task.WhenAll(Enumerable.Range(0, writers).Select(_ => WriteAsync(drain.Token)));
    }

    /// <summary>Writes one Event now; a failure is logged, never thrown (an Event is never worth failing a reconcile).</summary>
    public static async Task WriteAsync(IKubernetes client, Corev1Event evt, ILogger logger, CancellationToken cancellationToken)
    {
        try
        {
            await client.CoreV1.CreateNamespacedEventAsync(evt, evt.Metadata.NamespaceProperty, cancellationToken: cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.LogWarning(e, "could not record event {Reason} on {Namespace}/{Name}", evt.Reason, evt.Metadata.NamespaceProperty, evt.InvolvedObject.Name);
        }
    }

    private async Task WriteAsync(CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var evt in queue.Reader.ReadAllAsync(cancellationToken))
            {
                await WriteAsync(client, evt, logger, cancellationToken);
            }
        }
        catch (OperationCanceledException)
        {
            // Stopped while draining: what is left is lost, as an inline write cut off by the stop would be.
        }
    }
}
