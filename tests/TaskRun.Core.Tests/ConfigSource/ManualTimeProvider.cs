using System.Collections.Concurrent;

namespace TaskRun.Core.Tests.ConfigSource;

/// <summary>
/// A clock for the config source's delays: a timer due within <see cref="FireAtOnceUpTo"/> fires at once (a
/// retry delay), a longer one (a watch deadline) only when the test calls <see cref="FireLongTimers"/>.
/// Every requested due time is recorded, so tests can check the backoff without waiting for it.
/// </summary>
internal sealed class ManualTimeProvider : TimeProvider
{
    private readonly ConcurrentQueue<ManualTimer> longTimers = new();

    public TimeSpan FireAtOnceUpTo { get; init; } = TimeSpan.FromMinutes(1);

    public ConcurrentQueue<TimeSpan> Requested { get; } = new();

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        Requested.Enqueue(dueTime);
        var timer = new ManualTimer(callback, state);
        if (dueTime == Timeout.InfiniteTimeSpan)
        {
            return timer;
        }

        if (dueTime <= FireAtOnceUpTo)
        {
            ThreadPool.QueueUserWorkItem(_ => timer.Fire());
        }
        else
        {
            longTimers.Enqueue(timer);
        }

        return timer;
    }

    /// <summary>Fires every long timer made so far (e.g. the client-side deadline of a silent watch).</summary>
    public void FireLongTimers()
    {
        while (longTimers.TryDequeue(out var timer))
        {
            timer.Fire();
        }
    }

    private sealed class ManualTimer(TimerCallback callback, object? state) : ITimer
    {
        private volatile bool disposed;

        public void Fire()
        {
            if (!disposed)
            {
                callback(state);
            }
        }

        public bool Change(TimeSpan dueTime, TimeSpan period) => !disposed;

        public void Dispose() => disposed = true;

        public ValueTask DisposeAsync()
        {
            disposed = true;
            return ValueTask.CompletedTask;
        }
    }
}
