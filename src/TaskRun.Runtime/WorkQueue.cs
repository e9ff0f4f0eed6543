namespace TaskRun.Runtime;

/// <summary>
/// A keyed work queue in the manner of client-go's: a key waits in the queue at most once (adding it again
/// is a no-op), a key being processed is never handed to a second worker (adding it meanwhile marks it to
/// run again after <see cref="Done"/>), delayed adds, and per-key exponential backoff with jitter for errors.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Naming", "CA1711", Justification = "A work queue is the established name (client-go, controller-runtime).")]
public sealed class WorkQueue<TKey> : IDisposable where TKey : notnull
{
    private readonly object gate = new();
    private readonly Queue<TKey> ready = new();
    private readonly HashSet<TKey> dirty = [];
    private readonly HashSet<TKey> processing = [];
    private readonly Dictionary<TKey, DateTimeOffset> addedAt = [];
    private readonly Dictionary<TKey, int> failures = [];
    private readonly Dictionary<TKey, (DateTimeOffset Due, ITimer Timer)> waiting = [];
    private readonly SemaphoreSlim available = new(0);
    private readonly CancellationTokenSource shutdown = new();
    private readonly TimeProvider time;
    private readonly Random random;
    private readonly WorkQueueOptions options;
    private readonly IWorkQueueMetrics metrics;

    public WorkQueue(WorkQueueOptions options, TimeProvider time, Random random, IWorkQueueMetrics? metrics = null)
    {
        this.options = options ?? throw new ArgumentNullException(nameof(options));
        this.time = time ?? throw new ArgumentNullException(nameof(time));
        this.random = random ?? throw new ArgumentNullException(nameof(random));
        this.metrics = metrics ?? IWorkQueueMetrics.None;
    }

    /// <summary>Keys waiting to be handed out (not counting delayed or in-process ones).</summary>
    public int Depth
    {
        get
        {
            lock (gate)
            {
                return ready.Count;
            }
        }
    }

    public void Add(TKey key)
    {
        lock (gate)
        {
            if (shutdown.IsCancellationRequested || !dirty.Add(key))
            {
                return;
            }

            addedAt.TryAdd(key, time.GetUtcNow());
            if (processing.Contains(key))
            {
                return;
            }

            Enqueue(key);
        }
    }

    /// <summary>Adds the key once <paramref name="delay"/> has passed; an earlier pending add wins.</summary>
    public void AddAfter(TKey key, TimeSpan delay)
    {
        if (delay <= TimeSpan.Zero)
        {
            Add(key);
            return;
        }

        lock (gate)
        {
            if (shutdown.IsCancellationRequested)
            {
                return;
            }

            var due = time.GetUtcNow() + delay;
            if (waiting.TryGetValue(key, out var existing))
            {
                if (existing.Due <= due)
                {
                    return;
                }

                existing.Timer.Dispose();
            }

            var timer = time.CreateTimer(_ => FireDelayed(key, due), null, delay, Timeout.InfiniteTimeSpan);
            waiting[key] = (due, timer);
        }
    }

    /// <summary>Adds the key after its next backoff delay: base·2^(failures−1), capped, with jitter.</summary>
    public TimeSpan AddRateLimited(TKey key)
    {
        TimeSpan delay;
        lock (gate)
        {
            var count = failures.GetValueOrDefault(key) + 1;
            failures[key] = count;
            delay = Backoff.Delay(options.BaseRetryDelay, options.MaxRetryDelay, count - 1, random);
        }

        metrics.Retried();
        AddAfter(key, delay);
        return delay;
    }

    /// <summary>Clears the key's failure count: its next error starts the backoff again.</summary>
    public void Forget(TKey key)
    {
        lock (gate)
        {
            failures.Remove(key);
        }
    }

    public int Failures(TKey key)
    {
        lock (gate)
        {
            return failures.GetValueOrDefault(key);
        }
    }

    /// <summary>Waits for the next key; the caller must call <see cref="Done"/> when finished with it.</summary>
    public async Task<TKey> TakeAsync(CancellationToken cancellationToken)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, shutdown.Token);
        await available.WaitAsync(linked.Token);
        lock (gate)
        {
            var key = ready.Dequeue();
            dirty.Remove(key);
            processing.Add(key);
            if (addedAt.Remove(key, out var since))
            {
                metrics.Waited(time.GetUtcNow() - since);
            }

            metrics.Depth(ready.Count);
            return key;
        }
    }

    public void Done(TKey key)
    {
        lock (gate)
        {
            processing.Remove(key);
            if (dirty.Contains(key))
            {
                Enqueue(key);
            }
        }
    }

    public void ShutDown()
    {
        lock (gate)
        {
            shutdown.Cancel();
            foreach (var (_, (_, timer)) in waiting)
            {
                timer.Dispose();
            }

            waiting.Clear();
        }
    }

    public void Dispose()
    {
        ShutDown();
        available.Dispose();
        shutdown.Dispose();
    }

    private void FireDelayed(TKey key, DateTimeOffset due)
    {
        lock (gate)
        {
            if (!waiting.TryGetValue(key, out var entry) || entry.Due != due)
            {
                return;
            }

            entry.Timer.Dispose();
            waiting.Remove(key);
        }

        Add(key);
    }

    private void Enqueue(TKey key)
    {
        ready.Enqueue(key);
        metrics.Added();
        metrics.Depth(ready.Count);
        available.Release();
    }
}

public sealed record WorkQueueOptions(TimeSpan BaseRetryDelay, TimeSpan MaxRetryDelay)
{
    public static WorkQueueOptions Default { get; } = new(TimeSpan.FromMilliseconds(200), TimeSpan.FromMinutes(5));
}

/// <summary>What the queue reports; the host maps it to Prometheus.</summary>
public interface IWorkQueueMetrics
{
    static IWorkQueueMetrics None { get; } = new NoMetrics();

    void Added();

    void Depth(int depth);

    void Waited(TimeSpan latency);

    void Retried();

    private sealed class NoMetrics : IWorkQueueMetrics
    {
        public void Added() { }

        public void Depth(int depth) { }

        public void Waited(TimeSpan latency) { }

        public void Retried() { }
    }
}
