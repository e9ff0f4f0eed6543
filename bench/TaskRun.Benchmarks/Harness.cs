using System.Diagnostics;

namespace TaskRun.Benchmarks;

/// <summary>One measured case: throughput and allocations per operation on the measuring thread.</summary>
internal sealed record Measurement(string Case, long Operations, TimeSpan Elapsed, long AllocatedBytes)
{
    public double OpsPerSecond => Operations / Elapsed.TotalSeconds;

    public double MicrosecondsPerOp => Elapsed.TotalMicroseconds / Operations;

    public double AllocatedBytesPerOp => (double)AllocatedBytes / Operations;
}

/// <summary>
/// A deliberately small harness: warm up (so tiered JIT settles), then run batches until the duration has
/// passed, timing with <see cref="Stopwatch"/> and counting <see cref="GC.GetAllocatedBytesForCurrentThread"/>.
/// Numbers are indicative (one machine, one thread), not a statistical benchmark.
/// </summary>
internal static class Harness
{
    /// <summary>Results are summed here so the JIT cannot drop the work.</summary>
    public static long Sink { get; private set; }

    public static Measurement Measure(string name, Func<int> operation, TimeSpan warmUp, TimeSpan duration)
    {
        var watch = Stopwatch.StartNew();
        long warmUpOps = 0;
        while (watch.Elapsed < warmUp)
        {
            Sink += operation();
            warmUpOps++;
        }

        // Check the clock about every 10 ms, not after every operation.
        var batch = (int)Math.Clamp(warmUpOps / Math.Max(1, warmUp.TotalMilliseconds / 10), 1, 100_000);
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();

        long operations = 0;
        var allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
        watch.Restart();
        while (watch.Elapsed < duration)
        {
            for (var i = 0; i < batch; i++)
            {
                Sink += operation();
            }

            operations += batch;
        }

        watch.Stop();
        var allocated = GC.GetAllocatedBytesForCurrentThread() - allocatedBefore;
        return new Measurement(name, operations, watch.Elapsed, allocated);
    }
}
