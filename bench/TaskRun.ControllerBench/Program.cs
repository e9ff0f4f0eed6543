using System.Runtime.InteropServices;
using k8s;

namespace TaskRun.ControllerBench;

/// <summary>
/// The controller scale benchmark of issue 6 (reports, asserts nothing). Against a fresh control plane:
/// 1. ceiling: a plain client makes the controller's first-reconcile writes for N pre-created TaskRuns;
/// 2. the real controller (a Release process) and N TaskRuns created at once, for each --workers value (after an
///    untimed warm-up, as for the ceiling), plus a cold start on a backlog (TaskRuns first, controller second);
/// 3. memory: the controller's RSS idle and with --memory-total TaskRuns in its cache.
/// Run it through hack/bench-controller.sh, which makes the control plane and builds everything.
/// </summary>
internal static class Program
{
    private static async Task<int> Main(string[] args)
    {
        BenchOptions options;
        try
        {
            options = BenchOptions.Parse(args);
        }
        catch (Exception e) when (e is ArgumentException or FormatException)
        {
            Console.Error.WriteLine(e.Message == "help" ? BenchOptions.Usage : $"bench: {e.Message}\n{BenchOptions.Usage}");
            return e.Message == "help" ? 0 : 2;
        }

        // SIGINT and SIGTERM cancel the run, so the finally blocks stop the controllers this process started.
        using var cancel = new CancellationTokenSource();
        void Stop(PosixSignalContext context)
        {
            context.Cancel = true;
            cancel.Cancel();
        }

        using var onInterrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
        using var onTerminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
        try
        {
            await RunAsync(options, cancel.Token);
            return 0;
        }
        catch (OperationCanceledException) when (cancel.IsCancellationRequested)
        {
            Console.Error.WriteLine("bench: interrupted");
            return 130;
        }
    }

    private static async Task RunAsync(BenchOptions options, CancellationToken cancellationToken)
    {
        if (!File.Exists(options.ControllerDll))
        {
            throw new FileNotFoundException($"build the controller in Release first: {options.ControllerDll} is missing");
        }

        Directory.CreateDirectory(options.LogDir);
        File.WriteAllText(Path.Combine(options.LogDir, "controller.pids"), "");
        var clock = new Clock();
        var client = new Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(options.Kubeconfig));
        using var metrics = new MetricsClient(options.Kubeconfig);
        var report = new Report(options);
        Console.WriteLine($"controller scale benchmark: {RuntimeInformation.FrameworkDescription}, {Environment.ProcessorCount} CPUs, " +
            $"load average {LoadAverage()}; {options.Count} TaskRuns of {options.Files} × {options.FileBytes} B; logs in {options.LogDir}");

        if (options.SchedulingLimit is not null)
        {
            Console.WriteLine($"\n[scheduling] {options.Count} TaskRuns at once under scheduling.maxActiveRuns {options.SchedulingLimit}, runs of {options.RunSecondsMin}-{options.RunSecondsMax} s");
            (await SchedulingPhase.RunAsync(client, metrics, options, clock, cancellationToken)).Print();
            return;
        }

        if (options.System)
        {
            Console.WriteLine($"\n[system] {options.Count} TaskRuns through the webhook: the ceiling (creates, then the minimal writes) and the controller, on this plane");
            await SystemPhase.RunAsync(client, metrics, options, clock, cancellationToken);
            return;
        }

        if (options.Ceiling)
        {
            Console.WriteLine($"\n[ceiling] plain client, {options.CeilingWorkers} concurrent pipelines");
            const string ns = "bench-ceiling";
            await Workload.EnsureNamespaceAsync(client, ns, cancellationToken);
            var total = options.Warmup + options.Count;
            var createMeter = new CostMeter(metrics, options, null);
            await createMeter.StartAsync(cancellationToken);
            var created = await Workload.CreateManyAsync(client, total, options.CreateConcurrency,
                i => i < options.Warmup
                    ? Workload.TaskRun(ns, ControllerPhases.WarmupName(i), ControllerPhases.WarmupTaskId + i, options.Service, options.Files, options.FileBytes)
                    : Workload.TaskRun(ns, ControllerPhases.Name(i - options.Warmup), i - options.Warmup + 1, options.Service, options.Files, options.FileBytes),
                clock, cancellationToken, keep: true);
            Console.WriteLine($"  pre-created {total} TaskRuns in {created.Seconds:0.0} s ({total / created.Seconds:0.0}/s, not timed)");
            report.CreateRate = total / created.Seconds;
            report.CreateCpuMs = (await createMeter.StopAsync(cancellationToken)).OwnCpu * 1000 / total;
            if (options.Warmup > 0)
            {
                Console.WriteLine($"  warm-up: the writes for {options.Warmup} TaskRuns (not timed)");
                await CeilingPhase.RunAsync(client, created.Created[..options.Warmup], options.CeilingWorkers, clock, cancellationToken);
                await Task.Delay(BenchOptions.WarmupPause, cancellationToken);
            }

            var meter = new CostMeter(metrics, options, null);
            await meter.StartAsync(cancellationToken);
            var ceiling = await CeilingPhase.RunAsync(client, created.Created[options.Warmup..], options.CeilingWorkers, clock, cancellationToken);
            var costs = await meter.StopAsync(cancellationToken);
            report.Ceiling = new ThroughputResult("ceiling: plain client, same writes", options.CeilingWorkers, ceiling.Count, ceiling.Seconds, ceiling.Latencies, costs,
                "per-object latency = its 5-6 writes back to back");
            report.CeilingSteps = ceiling.MeanStepSeconds;
            Console.WriteLine($"  {ceiling.Count} in {ceiling.Seconds:0.0} s: {ceiling.Throughput:0.0} TaskRuns/s");
        }

        if (options.Backlog)
        {
            Console.WriteLine($"\n[cold start] controller with {options.DefaultWorkers} workers started after {options.Count} TaskRuns exist (no warm-up: a failover)");
            report.Throughput.Add(await ControllerPhases.BacklogAsync(client, metrics, options, clock, cancellationToken));
            Console.WriteLine($"  {report.Throughput[^1].Throughput:0.0} TaskRuns/s");
        }

        ControllerRunner? kept = null;
        try
        {
            var memoryWorkers = options.Workers.Contains(options.DefaultWorkers) ? options.DefaultWorkers : options.Workers[^1];
            foreach (var workers in options.Workers)
            {
                var ns = $"bench-w{workers}";
                Console.WriteLine($"\n[controller] {workers} workers, {options.Count} TaskRuns created at once in {ns}");
                await Workload.EnsureNamespaceAsync(client, ns, cancellationToken);
                var controller = ControllerRunner.Start(options, ns, workers);
                try
                {
                    var launched = clock.Now;
                    await controller.WaitUntilWorkingAsync(metrics, clock, cancellationToken);
                    Console.WriteLine($"  controller pid {controller.Pid} working after {clock.Now - launched:0.0} s; log {controller.LogPath}");
                    await Task.Delay(TimeSpan.FromSeconds(5), cancellationToken);
                    var idle = await MemoryReading.TakeAsync("idle: caches synced, 0 TaskRuns", 0, controller, metrics, cancellationToken);
                    var result = await ControllerPhases.CreateAtOnceAsync(client, metrics, controller, options, clock, cancellationToken);
                    report.Throughput.Add(result);
                    Console.WriteLine($"  {result.Throughput:0.0} TaskRuns/s, p50 {Report.Percentile(result.Latencies, 0.5):0.00} s, p99 {Report.Percentile(result.Latencies, 0.99):0.00} s");
                    if (workers == memoryWorkers)
                    {
                        report.Memory.Add(idle with { State = $"idle ({workers} workers): caches synced, 0 TaskRuns" });
                        var inCache = options.Count + options.Warmup;
                        report.Memory.Add(await MemoryReading.TakeAsync($"{inCache} TaskRuns Running (just after)", inCache, controller, metrics, cancellationToken));
                        kept = controller;
                        controller = null;
                    }
                }
                finally
                {
                    if (controller is not null)
                    {
                        await controller.DisposeAsync();
                    }
                }
            }

            if (options.MemoryTotal > 0 && kept is not null)
            {
                Console.WriteLine($"\n[memory] {options.MemoryTotal} TaskRuns in the cache of the {kept.Workers}-worker controller (pid {kept.Pid})");
                var existing = options.Count + options.Warmup;
                var (reading, createSeconds, settleSeconds) = await MemoryPhase.RunAsync(client, metrics, kept, existing, options, clock, cancellationToken);
                report.Memory.Add(reading);
                report.MemoryNote = $"{Math.Max(0, options.MemoryTotal - existing)} added with {options.Files} × {options.MemoryBytesPerFile} B files: creates {createSeconds:0} s, " +
                    $"then all Running after {settleSeconds:0} s more";
            }
        }
        finally
        {
            if (kept is not null)
            {
                await kept.DisposeAsync();
            }
        }

        if (options.MemoryTotal > 0 && kept is not null && options.MemoryVariants.Count > 0)
        {
            Console.WriteLine($"\n[memory variants] a fresh controller per variant on the same {options.MemoryTotal} TaskRuns");
            report.Memory.AddRange(await MemoryPhase.VariantsAsync(metrics, kept.Namespace, options.MemoryTotal, options, clock, cancellationToken));
        }

        report.Print();
    }

    /// <summary>The 1, 5 and 15 minute load averages: printed with every figure, the machine is shared.</summary>
    internal static string LoadAverage()
    {
        try
        {
            return string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3));
        }
        catch (IOException)
        {
            return "unknown";
        }
    }
}
