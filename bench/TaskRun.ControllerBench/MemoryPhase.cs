using k8s;

namespace TaskRun.ControllerBench;

internal sealed record MemoryReading(string State, int TaskRunsInCache, double RssMiB, double PeakMiB, double ManagedHeapMiB, double WorkingSetMiB)
{
    public static async Task<MemoryReading> TakeAsync(string state, int taskRuns, ControllerRunner controller, MetricsClient metrics, CancellationToken cancellationToken)
    {
        var memory = ProcStat.Memory(controller.Pid) ?? throw new InvalidOperationException($"the controller (pid {controller.Pid}) is gone; see {controller.LogPath}");
        var snapshot = await metrics.ControllerAsync(controller.MetricsPort, cancellationToken);
        const double mib = 1024 * 1024;
        return new MemoryReading(state, taskRuns, memory.Rss, memory.Peak,
            snapshot.Sum("dotnet_total_memory_bytes") / mib, snapshot.Sum("process_working_set_bytes") / mib);
    }
}

/// <summary>
/// Fills the running controller's cache to <c>memory-total</c> TaskRuns (each reconciled into a ConfigMap and a
/// Job, which it caches too), waits until it has settled, pauses for the GC, and reads its resident memory.
/// </summary>
internal static class MemoryPhase
{
    public static async Task<(MemoryReading Reading, double CreateSeconds, double SettleSeconds)> RunAsync(
        IKubernetes client, MetricsClient metrics, ControllerRunner controller, int existing, BenchOptions options, Clock clock, CancellationToken cancellationToken)
    {
        var ns = controller.Namespace;
        var toAdd = options.MemoryTotal - existing;
        var started = clock.Now;
        if (toAdd > 0)
        {
            Console.WriteLine($"  creating {toAdd} more TaskRuns ({options.Files} × {options.MemoryBytesPerFile} B) in {ns}, {options.MemoryConcurrency} concurrent creates");
            var created = await Workload.CreateManyAsync(client, toAdd, options.MemoryConcurrency,
                i => Workload.TaskRun(ns, $"mem-{i:D5}", existing + i + 1, options.Service, options.Files, options.MemoryBytesPerFile), clock, cancellationToken);
            Console.WriteLine($"  created in {created.Seconds:0.0} s ({toAdd / created.Seconds:0.0}/s)");
        }

        var createSeconds = clock.Now - started;
        // The controller's phase gauge is refreshed from its cache every 10 s; settled means all Running and an empty queue.
        var deadline = clock.Now + options.PhaseTimeout.TotalSeconds;
        var lastReport = 0.0;
        while (true)
        {
            if (controller.HasExited)
            {
                throw new InvalidOperationException($"the controller exited during the memory phase; see {controller.LogPath}");
            }

            var snapshot = await metrics.ControllerAsync(controller.MetricsPort, cancellationToken);
            var running = snapshot.Sum("taskrun_taskruns", "phase=\"Running\"");
            if (running >= options.MemoryTotal && snapshot.Sum("taskrun_workqueue_depth") == 0)
            {
                break;
            }

            if (clock.Now > deadline)
            {
                throw new TimeoutException($"the controller had {running} of {options.MemoryTotal} TaskRuns Running after {options.PhaseTimeout}");
            }

            if (clock.Now - lastReport >= 15)
            {
                lastReport = clock.Now;
                Console.WriteLine($"  ... {running} Running in the controller's cache, queue depth {snapshot.Sum("taskrun_workqueue_depth")}");
            }

            await Task.Delay(TimeSpan.FromSeconds(2), cancellationToken);
        }

        await ControllerPhases.WaitForQuietAsync(metrics, controller, cancellationToken);
        var settleSeconds = clock.Now - started - createSeconds;
        Console.WriteLine($"  all {options.MemoryTotal} Running {settleSeconds:0.0} s after the creates; pausing {options.Settle.TotalSeconds:0} s for the GC");
        await Task.Delay(options.Settle, cancellationToken);
        var reading = await MemoryReading.TakeAsync($"{options.MemoryTotal} TaskRuns settled (+{options.Settle.TotalSeconds:0} s)", options.MemoryTotal, controller, metrics, cancellationToken);
        return (reading, createSeconds, settleSeconds);
    }

    /// <summary>
    /// One more controller per --memory-variants entry, started on the TaskRuns already there (all Running, so it
    /// lists them, looks at each once and writes nothing), read once it is quiet and the GC has had --settle-seconds:
    /// the same cache under different GC settings. The previous controller must be stopped first (no leader election).
    /// </summary>
    public static async Task<List<MemoryReading>> VariantsAsync(
        MetricsClient metrics, string ns, int taskRuns, BenchOptions options, Clock clock, CancellationToken cancellationToken)
    {
        var readings = new List<MemoryReading>();
        foreach (var environment in options.MemoryVariants)
        {
            var label = string.Join(",", environment.Select(e => $"{e.Key}={e.Value}"));
            // "dll=PATH" is not passed on: it runs another build of the controller (a baseline) on the same cache.
            var build = environment.TryGetValue("dll", out var dll) ? options with { ControllerDll = Path.GetFullPath(dll) } : options;
            await using var controller = ControllerRunner.Start(build, ns, options.DefaultWorkers,
                environment.Where(e => e.Key != "dll").ToDictionary(e => e.Key, e => e.Value));
            try
            {
                var launched = clock.Now;
                await controller.WaitUntilWorkingAsync(metrics, clock, cancellationToken);
                await ControllerPhases.WaitForQuietAsync(metrics, controller, cancellationToken);
                Console.WriteLine($"  variant {label}: working after {clock.Now - launched:0.0} s, quiet; pausing {options.Settle.TotalSeconds:0} s for the GC (load {Program.LoadAverage()})");
                await Task.Delay(options.Settle, cancellationToken);
                var reading = await MemoryReading.TakeAsync($"{label} (started on {taskRuns}, +{options.Settle.TotalSeconds:0} s)", taskRuns, controller, metrics, cancellationToken);
                Console.WriteLine($"  variant {label}: VmRSS {reading.RssMiB:0} MiB, peak {reading.PeakMiB:0} MiB, managed heap {reading.ManagedHeapMiB:0} MiB");
                readings.Add(reading);
            }
            catch (Exception e) when (e is TimeoutException or InvalidOperationException)
            {
                // A setting that cannot hold the cache (e.g. a heap limit too small: OutOfMemoryException in its log) is a result too.
                Console.WriteLine($"  variant {label}: FAILED, {e.Message}");
            }
        }

        return readings;
    }
}
