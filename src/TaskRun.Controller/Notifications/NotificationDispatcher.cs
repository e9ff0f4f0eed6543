using System.Collections.Concurrent;
using System.Threading.Channels;
using TaskRun.Controller.Reconciliation;

namespace TaskRun.Controller.Notifications;

/// <summary>
/// Delivers the pending notifications found in TaskRuns' status, in the background: reconciles only offer a
/// TaskRun (a non-blocking write to a bounded channel), so a slow or dead sink never holds up a reconcile.
/// A TaskRun always goes to the same worker (by key), so its events leave in transition order, one at a time.
/// Delivery is at least once: a notification leaves the status only after every sink that wants it answered
/// 2xx or was given up on; a replica that stops meanwhile leaves it there for the next leader.
/// </summary>
public sealed class NotificationDispatcher(
    ObjectCache<V2TaskRun> taskRuns, CloudEventSender sender, NotificationAcknowledger acknowledger, EventRecorder events,
    Func<ControllerConfig> config, ControllerMetrics metrics, TimeProvider time, ILogger logger, int workers = 4) : IDisposable
{
    private const int ShardCapacity = 256;
    private const int RememberedIds = 4096;
    private static readonly TimeSpan RetryAfterApiError = TimeSpan.FromSeconds(5);

    private readonly Channel<ObjectKey>[] shards = [.. Enumerable.Range(0, workers).Select(_ => Channel.CreateBounded<ObjectKey>(new BoundedChannelOptions(ShardCapacity)
    {
        SingleReader = true,
        FullMode = BoundedChannelFullMode.Wait,
    }))];

    private readonly ConcurrentDictionary<ObjectKey, byte> queued = new();
    private readonly ConcurrentDictionary<string, byte> acknowledged = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<string> acknowledgedOrder = new();
    private int overflowed;

    /// <summary>Queues a TaskRun that has undelivered notifications; never blocks (a full queue is rescanned later).</summary>
    public void Offer(V2TaskRun? taskRun)
    {
        if (taskRun?.Status?.Notifications is not { Count: > 0 } || !queued.TryAdd(ObjectKey.Of(taskRun), 0))
        {
            return;
        }

        var key = ObjectKey.Of(taskRun);
        if (!ShardOf(key).Writer.TryWrite(key))
        {
            queued.TryRemove(key, out _);
            Interlocked.Exchange(ref overflowed, 1);
        }
    }

    /// <summary>Runs the workers until cancelled (leadership lost or shutdown); what is undelivered stays in status.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        // Whatever the previous leader left undelivered.
        RescanCache();
        await Task.WhenAll(shards.Select(shard => WorkAsync(shard.Reader, cancellationToken)));
    }

    public void Dispose() => sender.Dispose();

    private Channel<ObjectKey> ShardOf(ObjectKey key) => shards[(int)((uint)key.GetHashCode() % (uint)shards.Length)];

    private void RescanCache()
    {
        foreach (var taskRun in taskRuns.List(t => t.Status?.Notifications is { Count: > 0 }))
        {
            Offer(taskRun);
        }
    }

    private async Task WorkAsync(ChannelReader<ObjectKey> reader, CancellationToken cancellationToken)
    {
        try
        {
            while (await reader.WaitToReadAsync(cancellationToken))
            {
                while (reader.TryRead(out var key))
                {
                    queued.TryRemove(key, out _);
                    await DeliverPendingAsync(key, cancellationToken);
                }

                if (Interlocked.Exchange(ref overflowed, 0) == 1)
                {
                    RescanCache();
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    private async Task DeliverPendingAsync(ObjectKey key, CancellationToken cancellationToken)
    {
        var taskRun = taskRuns.Get(key);
        var remaining = taskRun?.Status?.Notifications?.ToList();
        if (taskRun is null || remaining is not { Count: > 0 })
        {
            return;
        }

        var settings = config().Notifications;
        foreach (var pending in remaining.OrderBy(n => n.Time).ToList())
        {
            if (pending.Id is null || acknowledged.ContainsKey(pending.Id))
            {
                continue;
            }

            var cloudEvent = CloudEvent.For(taskRun, pending);
            var sinks = settings.Sinks.Where(s => s.Wants(pending.Phase ?? "")).ToList();
            await Task.WhenAll(sinks.Select(sink => DeliverAsync(taskRun, cloudEvent, sink, settings, cancellationToken)));
            try
            {
                await acknowledger.AcknowledgeAsync(key, remaining, pending.Id, cancellationToken);
            }
            catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                // Delivered but still listed: offered again later, and sent again (at least once allows that).
                logger.LogWarning(e, "could not remove delivered notification {Id} from {Key}; retrying in {Delay}", pending.Id, key, RetryAfterApiError);
                _ = Task.Delay(RetryAfterApiError, time, cancellationToken).ContinueWith(_ => Offer(taskRuns.Get(key)), TaskScheduler.Default);
                return;
            }

            remaining.RemoveAll(n => n.Id == pending.Id);
            Remember(pending.Id);
        }
    }

    /// <summary>One event to one sink: retried with exponential backoff and jitter until delivered, refused or out of attempts.</summary>
    private async Task DeliverAsync(V2TaskRun taskRun, CloudEvent cloudEvent, NotificationSink sink, NotificationsConfig settings, CancellationToken cancellationToken)
    {
        if (!Uri.TryCreate(sink.Url, UriKind.Absolute, out var uri))
        {
            return;
        }

        var started = time.GetTimestamp();
        var timeout = TimeSpan.FromSeconds(settings.TimeoutSeconds);
        SinkResponse? last = null;
        var attempt = 0;
        while (++attempt <= settings.MaxAttempts)
        {
            last = await sender.SendAsync(cloudEvent, uri, timeout, cancellationToken);
            if (last.Outcome == DeliveryOutcome.Delivered)
            {
                metrics.NotificationSent("delivered", time.GetElapsedTime(started));
                logger.LogInformation("delivered {Type} {Id} for {Namespace}/{TaskRun} to {Sink} (attempt {Attempt})",
                    cloudEvent.Type, cloudEvent.Id, taskRun.Metadata.NamespaceProperty, taskRun.Metadata.Name, CloudEventSender.Redact(uri), attempt);
                return;
            }

            if (last.Outcome == DeliveryOutcome.Refused || attempt == settings.MaxAttempts)
            {
                break;
            }

            metrics.NotificationSent("retried", null);
            var delay = Backoff.Delay(TimeSpan.FromMilliseconds(settings.BaseDelayMilliseconds), TimeSpan.FromSeconds(settings.MaxDelaySeconds), attempt - 1, Random.Shared);
            logger.LogInformation("{Type} {Id} to {Sink}: {Response}; attempt {Attempt} of {Max}, retrying in {Delay}",
                cloudEvent.Type, cloudEvent.Id, CloudEventSender.Redact(uri), last.Description, attempt, settings.MaxAttempts, delay);
            await Task.Delay(delay, time, cancellationToken);
        }

        metrics.NotificationSent("failed", null);
        var message = $"CloudEvent {cloudEvent.Type} (id {cloudEvent.Id}) was not delivered to {CloudEventSender.Redact(uri)}: {last?.Description} after {Math.Min(attempt, settings.MaxAttempts)} attempt(s); giving up (notifications.maxAttempts {settings.MaxAttempts})";
        logger.LogWarning("{Message}", message);
        await events.RecordAsync(taskRun, EventRecorder.Warning, "NotificationFailed", message, cancellationToken);
    }

    private void Remember(string id)
    {
        if (acknowledged.TryAdd(id, 0))
        {
            acknowledgedOrder.Enqueue(id);
        }

        while (acknowledgedOrder.Count > RememberedIds && acknowledgedOrder.TryDequeue(out var oldest))
        {
            acknowledged.TryRemove(oldest, out _);
        }
    }
}
