using System.Globalization;
using k8s;

namespace TaskRun.ControllerBench;

/// <summary>
/// The whole system against its ceiling, measured in one run on one control plane with the webhook registered
/// (issue 14). Ceiling: a plain client creates <c>count</c> TaskRuns through the webhook, then makes the four
/// writes every first run needs (finalizer, ConfigMap, Job, status) for each; the limit is the sum of the two
/// times. System: the real controller runs, the same number of TaskRuns are created at once through the webhook,
/// and the clock runs from the first create to the last TaskRun seen Running. Both are measured warm.
/// </summary>
internal static class SystemPhase
{
    private const double Target = 0.80;
    private static readonly string[] ReadVerbs = ["GET", "LIST", "WATCH"];
    private static readonly string[] RunResources = ["taskruns", "taskruns/status", "configmaps", "jobs", "events", "persistentvolumeclaims"];

    public static async Task RunAsync(IKubernetes client, MetricsClient metrics, BenchOptions options, Clock clock, CancellationToken cancellationToken)
    {
        var ceiling = await CeilingAsync(client, options, clock, cancellationToken);
        var loadAfterCeiling = Program.LoadAverage();

        var ns = "system-controller";
        await Workload.EnsureNamespaceAsync(client, ns, cancellationToken);
        await using var controller = ControllerRunner.Start(options, ns, options.DefaultWorkers);
        var launched = clock.Now;
        await controller.WaitUntilWorkingAsync(metrics, clock, cancellationToken);
        Console.WriteLine($"  controller pid {controller.Pid} ({controller.Workers} workers) working after {clock.Now - launched:0.0} s; log {controller.LogPath}");
        await using var watch = new RunningWatch(client, ns, clock);
        await watch.StartAsync(cancellationToken);
        if (options.Warmup > 0)
        {
            var warm = Enumerable.Range(0, options.Warmup).Select(ControllerPhases.WarmupName).ToList();
            Console.WriteLine($"  controller warm-up: {warm.Count} TaskRuns (not timed)");
            await Workload.CreateManyAsync(client, warm.Count, options.CreateConcurrency,
                i => Workload.TaskRun(ns, warm[i], ControllerPhases.WarmupTaskId + i, options.Service, options.Files, options.FileBytes), clock, cancellationToken);
            await watch.WaitForAllAsync(warm, options.PhaseTimeout, null, cancellationToken);
            await ControllerPhases.WaitForQuietAsync(metrics, controller, cancellationToken);
            await Task.Delay(BenchOptions.WarmupPause, cancellationToken);
        }

        var loadBefore = Program.LoadAverage();
        var meter = new CostMeter(metrics, options, controller);
        await meter.StartAsync(cancellationToken);
        var webhookCpu = ProcStat.CpuSeconds(options.WebhookPid);
        var names = Enumerable.Range(0, options.Count).Select(ControllerPhases.Name).ToList();
        Console.WriteLine($"  creating {options.Count} TaskRuns in {ns} ({options.CreateConcurrency} concurrent creates), controller running");
        var created = await Workload.CreateManyAsync(client, options.Count, options.CreateConcurrency,
            i => Workload.TaskRun(ns, names[i], i + 1, options.Service, options.Files, options.FileBytes), clock, cancellationToken);
        await watch.WaitForAllAsync(names, options.PhaseTimeout, done => Console.WriteLine($"  ... {done} Running"), cancellationToken);
        var allRunning = names.Max(n => watch.Running[n]) - created.Started;
        var latencies = names.Select((n, i) => watch.Running[n] - created.SentAt[i]).ToArray();
        var (_, peakMiB) = ProcStat.Memory(controller.Pid) ?? (0, 0);
        await ControllerPhases.WaitForQuietAsync(metrics, controller, cancellationToken);
        var costs = await meter.StopAsync(cancellationToken);
        webhookCpu = ProcStat.CpuSeconds(options.WebhookPid) - webhookCpu;
        var (configMaps, jobs) = await ControllerPhases.CountChildrenAsync(client, ns, cancellationToken);

        var n = (double)options.Count;
        var limit = ceiling.CreateSeconds + ceiling.WriteSeconds;
        var ratio = limit / allRunning;
        // Writes by the controller: every non-read request while it worked, less the benchmark's own TaskRun creates.
        // (Only the kinds a run touches: the API server's own bookkeeping, e.g. endpoints, is left out.)
        var writes = costs.Requests
            .Select(r => (r.Request, Count: r.Request.StartsWith("POST taskruns ", StringComparison.Ordinal) ? r.Count - n : r.Count))
            .Where(r => !ReadVerbs.Contains(r.Request.Split(' ')[0]) && RunResources.Contains(r.Request.Split(' ')[1]) && r.Count > 0)
            .ToList();
        var controllerWrites = writes.Sum(r => r.Count);
        var reads = costs.Requests.Where(r => ReadVerbs.Contains(r.Request.Split(' ')[0]) && !r.Request.StartsWith("WATCH", StringComparison.Ordinal)).Sum(r => r.Count);

        Console.WriteLine();
        Console.WriteLine($"==== system benchmark: {options.Count} v2 TaskRuns × {options.Files} files × {options.FileBytes} B through the webhook, " +
            $"{options.CreateConcurrency} concurrent creates, {Environment.ProcessorCount} CPUs ====");
        Console.WriteLine($"load average: before the ceiling {ceiling.Load}; before the controller run {loadAfterCeiling} / {loadBefore}; after {Program.LoadAverage()}");
        Console.WriteLine($"ceiling (plain client, same plane): {options.Count} creates {ceiling.CreateSeconds:0.00} s + minimal writes (finalizer, ConfigMap, Job, status) " +
            $"at c={options.CeilingWorkers} {ceiling.WriteSeconds:0.00} s = {limit:0.00} s; CPU {ceiling.CpuMs:0.0} ms per TaskRun (kube-apiserver + etcd + webhook + client), " +
            $"other processes {ceiling.OtherCpuMs:0.0} ms");
        Console.WriteLine($"system (controller, {controller.Workers} workers): creates done at {created.Seconds:0.00} s, all Running at {allRunning:0.00} s; " +
            $"create→Running p50 {Report.Percentile(latencies, 0.5):0.00} s, p99 {Report.Percentile(latencies, 0.99):0.00} s, max {latencies.Max():0.00} s");
        Console.WriteLine($"system / ceiling: {ratio:0%} (target ≥ {Target:0%}, i.e. all Running within {limit / Target:0.0} s: {(ratio >= Target ? "met" : "NOT met")})");
        Console.WriteLine($"children: {configMaps} ConfigMaps, {jobs} Jobs for {options.Count + options.Warmup} TaskRuns");
        Console.WriteLine($"controller writes per first run: {controllerWrites / n:0.00} ({string.Join(", ", writes.Select(w => $"{w.Request} {w.Count / n:0.00}"))}); " +
            $"reads (GET/LIST) {reads / n:0.00}; reconciles {costs.Reconciles / n:0.00}");
        Console.WriteLine($"CPU ms per TaskRun: controller {costs.ControllerCpu * 1000 / n:0.0}, kube-apiserver {costs.ApiServerCpu * 1000 / n:0.0}, etcd {costs.EtcdCpu * 1000 / n:0.0}, " +
            $"webhook {webhookCpu * 1000 / n:0.0}, bench {costs.BenchCpu * 1000 / n:0.0}; other processes {Math.Max(0, costs.OtherCpu - webhookCpu) * 1000 / n:0.0}; " +
            $"machine busy {costs.MachineBusyPercent:0}%");
        // On a machine shared with other work the wall-clock ratio moves with the neighbours' load; CPU per TaskRun does not.
        var systemCpuMs = (costs.ControllerCpu + costs.ApiServerCpu + costs.EtcdCpu + webhookCpu + costs.BenchCpu) * 1000 / n;
        Console.WriteLine($"CPU-bound: ceiling {ceiling.CpuMs:0.0} ms per TaskRun, system {systemCpuMs:0.0} ms (controller, kube-apiserver, etcd, webhook, bench): " +
            $"{ceiling.CpuMs / systemCpuMs:0%} (target ≥ {Target:0%}: {(ceiling.CpuMs / systemCpuMs >= Target ? "met" : "NOT met")})");
        Console.WriteLine($"controller memory: peak (VmHWM) {peakMiB:0} MiB with {options.Count + options.Warmup} TaskRuns");

        if (options.MemoryTotal > 0)
        {
            Console.WriteLine($"\n[memory] {options.MemoryTotal} TaskRuns in the controller's cache (pid {controller.Pid})");
            var (reading, createSeconds, settleSeconds) = await MemoryPhase.RunAsync(client, metrics, controller, options.Count + options.Warmup, options, clock, cancellationToken);
            Console.WriteLine($"controller memory with {reading.TaskRunsInCache} TaskRuns: VmRSS {reading.RssMiB:0} MiB, peak (VmHWM) {reading.PeakMiB:0} MiB, " +
                $"managed heap {reading.ManagedHeapMiB:0} MiB (creates {createSeconds:0} s, then all Running after {settleSeconds:0} s more; load {Program.LoadAverage()})");
            if (options.MemoryVariants.Count > 0)
            {
                await controller.DisposeAsync();
                Console.WriteLine($"\n[memory variants] a fresh controller per variant on the same {reading.TaskRunsInCache} TaskRuns");
                await MemoryPhase.VariantsAsync(metrics, ns, reading.TaskRunsInCache, options, clock, cancellationToken);
            }
        }
    }

    private static async Task<SystemCeiling> CeilingAsync(IKubernetes client, BenchOptions options, Clock clock, CancellationToken cancellationToken)
    {
        const string ns = "system-ceiling";
        await Workload.EnsureNamespaceAsync(client, ns, cancellationToken);
        if (options.Warmup > 0)
        {
            Console.WriteLine($"  ceiling warm-up: {options.Warmup} creates and their writes (not timed)");
            var warm = await Workload.CreateManyAsync(client, options.Warmup, options.CreateConcurrency,
                i => Workload.TaskRun(ns, ControllerPhases.WarmupName(i), ControllerPhases.WarmupTaskId + i, options.Service, options.Files, options.FileBytes),
                clock, cancellationToken, keep: true);
            await CeilingPhase.RunAsync(client, warm.Created, options.CeilingWorkers, clock, cancellationToken, minimal: true);
            await Task.Delay(BenchOptions.WarmupPause, cancellationToken);
        }

        var load = Program.LoadAverage();
        var cpu = OwnCpu(options);
        var machine = ProcStat.MachineBusySeconds();
        Console.WriteLine($"  ceiling: {options.Count} creates at c={options.CreateConcurrency}, then the minimal writes at c={options.CeilingWorkers}");
        var created = await Workload.CreateManyAsync(client, options.Count, options.CreateConcurrency,
            i => Workload.TaskRun(ns, ControllerPhases.Name(i), i + 1, options.Service, options.Files, options.FileBytes), clock, cancellationToken, keep: true);
        var written = await CeilingPhase.RunAsync(client, created.Created, options.CeilingWorkers, clock, cancellationToken, minimal: true);
        cpu = OwnCpu(options) - cpu;
        var others = Math.Max(0, ProcStat.MachineBusySeconds() - machine - cpu);
        Console.WriteLine($"  creates {created.Seconds:0.00} s, writes {written.Seconds:0.00} s");
        return new SystemCeiling(created.Seconds, written.Seconds, cpu * 1000 / options.Count, others * 1000 / options.Count, load);
    }

    /// <summary>CPU seconds of kube-apiserver, etcd, the webhook and this process: what the ceiling costs.</summary>
    private static double OwnCpu(BenchOptions options) =>
        ProcStat.CpuSeconds(options.ApiserverPid) + ProcStat.CpuSeconds(options.EtcdPid) + ProcStat.CpuSeconds(options.WebhookPid) + ProcStat.SelfCpuSeconds();

    private sealed record SystemCeiling(double CreateSeconds, double WriteSeconds, double CpuMs, double OtherCpuMs, string Load);
}
