namespace TaskRun.Webhook.Hosting;

/// <summary>
/// The request body bytes all reviews together may hold at once. A review reserves its body's size (its
/// Content-Length, or the endpoint's cap when the length is not declared) before reading it, and gives it back
/// when answered. Reservations are granted first come, first served, so a large review is never starved by a
/// stream of small ones; one that cannot be granted within the wait gets <c>null</c> and its sender a 503,
/// so memory is bounded by the budget times the per-byte working set, never by what senders choose to send.
/// </summary>
internal sealed class RequestBodyBudget
{
    private readonly object gate = new();
    private readonly LinkedList<Waiter> waiters = new();
    private long available;

    public RequestBodyBudget(long totalBytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(totalBytes);
        TotalBytes = totalBytes;
        available = totalBytes;
    }

    public long TotalBytes { get; }

    public long AvailableBytes
    {
        get
        {
            lock (gate)
            {
                return available;
            }
        }
    }

    /// <summary>Waits up to <paramref name="wait"/> for <paramref name="bytes"/>; null when not granted in time.</summary>
    public async Task<Reservation?> ReserveAsync(long bytes, TimeSpan wait, CancellationToken cancellationToken)
    {
        bytes = Math.Clamp(bytes, 1, TotalBytes);
        Waiter waiter;
        lock (gate)
        {
            if (waiters.Count == 0 && available >= bytes)
            {
                available -= bytes;
                return new Reservation(this, bytes);
            }

            waiter = new Waiter(bytes);
            waiter.Node = waiters.AddLast(waiter);
        }

        try
        {
            await waiter.Granted.Task.WaitAsync(wait, cancellationToken);
            return new Reservation(this, bytes);
        }
        catch (TimeoutException)
        {
            Abandon(waiter);
            return null;
        }
        catch (OperationCanceledException)
        {
            Abandon(waiter);
            throw;
        }
    }

    /// <summary>Leaves the queue; bytes granted just as the wait ended are given back.</summary>
    private void Abandon(Waiter waiter)
    {
        lock (gate)
        {
            if (waiter.Node?.List is not null)
            {
                waiters.Remove(waiter.Node);
                GrantWaiting();
                return;
            }
        }

        Release(waiter.Bytes);
    }

    private void Release(long bytes)
    {
        lock (gate)
        {
            available += bytes;
            GrantWaiting();
        }
    }

    /// <summary>Grants waiters in order while the head fits; called under the lock.</summary>
    private void GrantWaiting()
    {
        while (waiters.First is { } first && available >= first.Value.Bytes)
        {
            available -= first.Value.Bytes;
            waiters.RemoveFirst();
            first.Value.Granted.TrySetResult();
        }
    }

    private sealed class Waiter(long bytes)
    {
        public long Bytes { get; } = bytes;

        public TaskCompletionSource Granted { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public LinkedListNode<Waiter>? Node { get; set; }
    }

    /// <summary>Bytes held until disposed.</summary>
    public sealed class Reservation(RequestBodyBudget budget, long bytes) : IDisposable
    {
        private int disposed;

        public long Bytes { get; } = bytes;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref disposed, 1) == 0)
            {
                budget.Release(Bytes);
            }
        }
    }
}
