namespace TaskRun.Webhook.Hosting;

/// <summary>
/// Gives memory back to the node after a burst of reviews. The GC collects only when allocation asks it to, so
/// after a burst ends the heap (and the buffer pools, trimmed on full collections) would stay at the burst's
/// size until the next one. Once no body is in flight and at least <see cref="BurstBytes"/> were allocated
/// since the last trim, one aggressive full collection compacts the heap and decommits the free space, so RSS
/// comes back to near idle within seconds of the load stopping. Idle or under steady small load it does nothing.
/// </summary>
internal sealed class IdleMemoryTrimmer(RequestBodyBudget budget, ILogger<IdleMemoryTrimmer> logger) : BackgroundService
{
    /// <summary>Allocation since the last trim worth a full collection: a few large reviews.</summary>
    public const long BurstBytes = 64L * 1024 * 1024;

    private static readonly TimeSpan CheckInterval = TimeSpan.FromSeconds(2);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var allocatedAtLastTrim = GC.GetTotalAllocatedBytes();
        using var timer = new PeriodicTimer(CheckInterval);
        while (await WaitAsync(timer, stoppingToken))
        {
            var allocated = GC.GetTotalAllocatedBytes();
            if (allocated - allocatedAtLastTrim < BurstBytes || budget.AvailableBytes != budget.TotalBytes)
            {
                continue;
            }

            var burst = allocated - allocatedAtLastTrim;
            var before = Environment.WorkingSet;
            GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
            allocatedAtLastTrim = GC.GetTotalAllocatedBytes();
            logger.LogInformation("memory trimmed after a burst of {AllocatedMiB} MiB allocated: working set {BeforeMiB} → {AfterMiB} MiB",
                burst / 1048576, before / 1048576, Environment.WorkingSet / 1048576);
        }
    }

    private static async Task<bool> WaitAsync(PeriodicTimer timer, CancellationToken cancellationToken)
    {
        try
        {
            return await timer.WaitForNextTickAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }
}
