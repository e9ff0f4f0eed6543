namespace TaskRun.Controller.Runtime;

/// <summary>Counts the cached TaskRuns by phase and the unfinished Jobs, each interval, into the gauges.</summary>
internal sealed class PhaseReporter(ObjectCache<V2TaskRun> taskRuns, ObjectCache<V1Job> jobs, ControllerMetrics metrics, string scope, TimeSpan interval, TimeProvider time)
{
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(interval, time);
        try
        {
            do
            {
                var counts = taskRuns.List()
                    .GroupBy(t => t.Status?.Phase ?? "Unknown")
                    .ToDictionary(g => g.Key, g => g.Count());
                metrics.SetPhaseCounts(counts, scope);
                metrics.SetActiveJobs(jobs.List(job =>
                    job.Status?.Conditions?.Any(c => c.Status == "True" && c.Type is "Complete" or "Failed") != true).Count);
            }
            while (await timer.WaitForNextTickAsync(cancellationToken));
        }
        catch (OperationCanceledException)
        {
        }
    }
}
