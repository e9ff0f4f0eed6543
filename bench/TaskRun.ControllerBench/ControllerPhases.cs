using k8s;
using TaskRun.Core.Api;

namespace TaskRun.ControllerBench;

/// <summary>What one controller run cost, measured around it: controller metrics, API server requests, CPU.</summary>
internal sealed record PhaseCosts(
    double Reconciles,
    double ReconcileErrors,
    double QueueAdds,
    double QueueRetries,
    double MeanReconcileMs,
    double MeanQueueWaitMs,
    IReadOnlyList<(string Request, double Count)> Requests,
    double ControllerCpu,
    double ApiServerCpu,
    double EtcdCpu,
    double BenchCpu,
    double OtherCpu,
    double WallSeconds)
{
    /// <summary>CPU seconds of the processes under test: controller, kube-apiserver, etcd and the benchmark (creates, watch or ceiling client).</summary>
    public double OwnCpu => ControllerCpu + ApiServerCpu + EtcdCpu + BenchCpu;

    /// <summary>How busy all cores were while the phase was measured (100 = every core all the time).</summary>
    public double MachineBusyPercent => (ControllerCpu + ApiServerCpu + EtcdCpu + BenchCpu + OtherCpu) / WallSeconds / Environment.ProcessorCount * 100;
}

internal sealed record ThroughputResult(
    string Phase,
    int Workers,
    int Count,
    double Seconds,
    double[] Latencies,
    PhaseCosts Costs,
    string Note)
{
    public double Throughput => Count / Seconds;

    /// <summary>
    /// TaskRuns/s if every core ran only the processes under test: cores ÷ their CPU seconds per TaskRun. On a
    /// CPU-bound machine shared with other work this is the figure that does not move with the neighbours' load.
    /// </summary>
    public double CpuBoundCapacity => Costs.OwnCpu > 0 ? Environment.ProcessorCount * Count / Costs.OwnCpu : double.NaN;

    /// <summary>The TaskRuns were created inside the timed window (their creates' CPU is in <see cref="Costs"/>).</summary>
    public bool IncludesCreates => Phase.Contains("at once", StringComparison.Ordinal);

    /// <summary>As <see cref="CpuBoundCapacity"/>, less what creating the TaskRuns costs (measured alone): the ceiling does not create.</summary>
    public double CpuBoundCapacityWithoutCreates(double createCpuMs) =>
        IncludesCreates ? Environment.ProcessorCount * Count / (Costs.OwnCpu - createCpuMs * Count / 1000) : CpuBoundCapacity;
}

/// <summary>Snapshots taken before a phase, turned into <see cref="PhaseCosts"/> after it.</summary>
internal sealed class CostMeter
{
    private readonly MetricsClient metrics;
    private readonly BenchOptions options;
    private readonly int? controllerPid;
    private readonly int? controllerPort;
    private MetricSnapshot apiBefore = MetricSnapshot.Empty;
    private MetricSnapshot controllerBefore = MetricSnapshot.Empty;
    private double controllerCpu;
    private double apiServerCpu;
    private double etcdCpu;
    private double benchCpu;
    private double machineCpu;
    private long started;

    public CostMeter(MetricsClient metrics, BenchOptions options, ControllerRunner? controller)
    {
        this.metrics = metrics;
        this.options = options;
        controllerPid = controller?.Pid;
        controllerPort = controller?.MetricsPort;
    }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        apiBefore = await metrics.ApiServerAsync(cancellationToken);
        controllerBefore = controllerPort is { } port ? await metrics.ControllerAsync(port, cancellationToken) : MetricSnapshot.Empty;
        controllerCpu = ProcStat.CpuSeconds(controllerPid);
        apiServerCpu = ProcStat.CpuSeconds(options.ApiserverPid);
        etcdCpu = ProcStat.CpuSeconds(options.EtcdPid);
        benchCpu = ProcStat.SelfCpuSeconds();
        machineCpu = ProcStat.MachineBusySeconds();
        started = System.Diagnostics.Stopwatch.GetTimestamp();
    }

    public async Task<PhaseCosts> StopAsync(CancellationToken cancellationToken)
    {
        // CPU first: the scrapes below cost some too.
        var controller = ProcStat.CpuSeconds(controllerPid) - controllerCpu;
        var apiServer = ProcStat.CpuSeconds(options.ApiserverPid) - apiServerCpu;
        var etcd = ProcStat.CpuSeconds(options.EtcdPid) - etcdCpu;
        var bench = ProcStat.SelfCpuSeconds() - benchCpu;
        var machine = ProcStat.MachineBusySeconds() - machineCpu;
        var wall = System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalSeconds;
        var after = controllerPort is { } port ? await metrics.ControllerAsync(port, cancellationToken) : MetricSnapshot.Empty;
        var apiAfter = await metrics.ApiServerAsync(cancellationToken);
        double Diff(string name, params string[] labels) => after.Sum(name, labels) - controllerBefore.Sum(name, labels);
        double Mean(string histogram) => Diff(histogram + "_count") is > 0 and var n ? Diff(histogram + "_sum") / n * 1000 : 0;
        return new PhaseCosts(
            Diff("taskrun_reconciliations_total"),
            Diff("taskrun_reconciliations_total", "result=\"error\""),
            Diff("taskrun_workqueue_adds_total"),
            Diff("taskrun_workqueue_retries_total"),
            Mean("taskrun_reconciliation_duration_seconds"),
            Mean("taskrun_workqueue_queue_duration_seconds"),
            RequestCounts.Diff(apiBefore, apiAfter),
            controller,
            apiServer,
            etcd,
            bench,
            // Everything else on the machine (other users' builds and tests): the noise indicator.
            Math.Max(0, machine - controller - apiServer - etcd - bench),
            wall);
    }
}

/// <summary>The controller phases: TaskRuns created at once against a running (warmed-up) controller, and a cold start on a backlog.</summary>
internal static class ControllerPhases
{
    /// <summary>
    /// Issue 6's measurement: the controller is running and idle; <c>count</c> TaskRuns are created at once
    /// (create-concurrency requests in flight); the clock runs from the first create to the last TaskRun seen Running.
    /// </summary>
    public static async Task<ThroughputResult> CreateAtOnceAsync(
        IKubernetes client, MetricsClient metrics, ControllerRunner controller, BenchOptions options, Clock clock, CancellationToken cancellationToken)
    {
        var ns = controller.Namespace;
        await using var watch = new RunningWatch(client, ns, clock);
        await watch.StartAsync(cancellationToken);
        if (options.Warmup > 0)
        {
            var warm = Enumerable.Range(0, options.Warmup).Select(WarmupName).ToList();
            Console.WriteLine($"  warm-up: {warm.Count} TaskRuns (not timed)");
            await Workload.CreateManyAsync(client, warm.Count, options.CreateConcurrency,
                i => Workload.TaskRun(ns, warm[i], WarmupTaskId + i, options.Service, options.Files, options.FileBytes), clock, cancellationToken);
            await watch.WaitForAllAsync(warm, options.PhaseTimeout, null, cancellationToken);
            await WaitForQuietAsync(metrics, controller, cancellationToken);
            await Task.Delay(BenchOptions.WarmupPause, cancellationToken);
        }

        var meter = new CostMeter(metrics, options, controller);
        await meter.StartAsync(cancellationToken);
        var names = Enumerable.Range(0, options.Count).Select(Name).ToList();
        Console.WriteLine($"  creating {options.Count} TaskRuns in {ns} ({options.CreateConcurrency} concurrent creates)");
        var created = await Workload.CreateManyAsync(client, options.Count, options.CreateConcurrency,
            i => Workload.TaskRun(ns, names[i], i + 1, options.Service, options.Files, options.FileBytes), clock, cancellationToken);
        Console.WriteLine($"  created in {created.Seconds:0.0} s ({options.Count / created.Seconds:0.0}/s); {watch.Running.Count} Running so far");
        await watch.WaitForAllAsync(names, options.PhaseTimeout, done => Console.WriteLine($"  ... {done} Running"), cancellationToken);
        var lastRunning = names.Max(n => watch.Running[n]);
        var latencies = names.Select((n, i) => watch.Running[n] - created.SentAt[i]).ToArray();
        await WaitForQuietAsync(metrics, controller, cancellationToken);
        var costs = await meter.StopAsync(cancellationToken);
        var (configMaps, jobs) = await CountChildrenAsync(client, ns, cancellationToken);
        var expected = options.Count + options.Warmup;
        var note = configMaps == expected && jobs == expected
            ? $"creates took {created.Seconds:0.0} s"
            : $"CHILDREN MISSING: {configMaps} ConfigMaps, {jobs} Jobs for {expected} TaskRuns";
        return new ThroughputResult("controller, created at once", controller.Workers, options.Count, lastRunning - created.Started, latencies, costs, note);
    }

    /// <summary>
    /// A cold start on a backlog, as after a failover: the TaskRuns exist before the controller starts (no creates
    /// compete for the API server, as in the ceiling), the clock runs from its workers starting (caches synced) to
    /// the last TaskRun Running. Cold by design: JIT compilation of every path is part of the figure.
    /// </summary>
    public static async Task<ThroughputResult> BacklogAsync(
        IKubernetes client, MetricsClient metrics, BenchOptions options, Clock clock, CancellationToken cancellationToken)
    {
        const string ns = "bench-backlog";
        await Workload.EnsureNamespaceAsync(client, ns, cancellationToken);
        var names = Enumerable.Range(0, options.Count).Select(Name).ToList();
        Console.WriteLine($"  creating {options.Count} TaskRuns in {ns} before the controller starts (not timed)");
        var created = await Workload.CreateManyAsync(client, options.Count, options.CreateConcurrency,
            i => Workload.TaskRun(ns, names[i], i + 1, options.Service, options.Files, options.FileBytes), clock, cancellationToken);
        Console.WriteLine($"  created in {created.Seconds:0.0} s ({options.Count / created.Seconds:0.0}/s)");
        await using var watch = new RunningWatch(client, ns, clock);
        await watch.StartAsync(cancellationToken);
        var meterWithoutController = new CostMeter(metrics, options, null);
        await meterWithoutController.StartAsync(cancellationToken);
        var launched = clock.Now;
        await using var controller = ControllerRunner.Start(options, ns, options.DefaultWorkers);
        var working = await controller.WaitUntilWorkingAsync(metrics, clock, cancellationToken);
        Console.WriteLine($"  controller (pid {controller.Pid}, {controller.Workers} workers) working {working - launched:0.0} s after launch");
        await watch.WaitForAllAsync(names, options.PhaseTimeout, done => Console.WriteLine($"  ... {done} Running"), cancellationToken);
        var lastRunning = names.Max(n => watch.Running[n]);
        await WaitForQuietAsync(metrics, controller, cancellationToken);
        var costs = await meterWithoutController.StopAsync(cancellationToken);
        // The controller's own counters start at zero with it.
        var controllerCpu = ProcStat.CpuSeconds(controller.Pid);
        var own = await metrics.ControllerAsync(controller.MetricsPort, cancellationToken);
        double Mean(string histogram) => own.Sum(histogram + "_count") is > 0 and var n ? own.Sum(histogram + "_sum") / n * 1000 : 0;
        costs = costs with
        {
            Reconciles = own.Sum("taskrun_reconciliations_total"),
            ReconcileErrors = own.Sum("taskrun_reconciliations_total", "result=\"error\""),
            QueueAdds = own.Sum("taskrun_workqueue_adds_total"),
            QueueRetries = own.Sum("taskrun_workqueue_retries_total"),
            MeanReconcileMs = Mean("taskrun_reconciliation_duration_seconds"),
            MeanQueueWaitMs = Mean("taskrun_workqueue_queue_duration_seconds"),
            ControllerCpu = controllerCpu,
            OtherCpu = Math.Max(0, costs.OtherCpu - controllerCpu),
        };
        var (configMaps, jobs) = await CountChildrenAsync(client, ns, cancellationToken);
        var note = configMaps == options.Count && jobs == options.Count
            ? $"startup to working {working - launched:0.0} s (not counted); controller CPU includes startup"
            : $"CHILDREN MISSING: {configMaps} ConfigMaps, {jobs} Jobs for {options.Count} TaskRuns";
        var latencies = names.Select(n => watch.Running[n] - working).ToArray();
        return new ThroughputResult("controller, cold start on a backlog", controller.Workers, options.Count, lastRunning - working, latencies, costs, note);
    }

    public const long WarmupTaskId = 1_000_000;

    public static string Name(int i) => $"tr-{i:D5}";

    public static string WarmupName(int i) => $"warm-{i:D5}";

    /// <summary>After the last Running, follow-up reconciles (events of our own writes) still run: wait until the counters stop.</summary>
    public static async Task WaitForQuietAsync(MetricsClient metrics, ControllerRunner controller, CancellationToken cancellationToken)
    {
        var last = -1.0;
        for (var i = 0; i < 60; i++)
        {
            var now = await metrics.ControllerAsync(controller.MetricsPort, cancellationToken);
            var reconciles = now.Sum("taskrun_reconciliations_total");
            if (reconciles == last && now.Sum("taskrun_workqueue_depth") == 0)
            {
                return;
            }

            last = reconciles;
            await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
        }
    }

    /// <summary>The run ConfigMaps and Jobs in the namespace, by the managed-by label (paged, metadata is all we need).</summary>
    public static async Task<(int ConfigMaps, int Jobs)> CountChildrenAsync(IKubernetes client, string ns, CancellationToken cancellationToken)
    {
        const string selector = TaskRunLabels.ManagedBy + "=" + TaskRunLabels.ManagedByValue;
        int configMaps = 0, jobs = 0;
        string? token = null;
        do
        {
            var page = await client.CoreV1.ListNamespacedConfigMapAsync(ns, labelSelector: selector, limit: 250, continueParameter: token, cancellationToken: cancellationToken);
            configMaps += page.Items.Count;
            token = page.Metadata.ContinueProperty;
        }
        while (!string.IsNullOrEmpty(token));

        token = null;
        do
        {
            var page = await client.BatchV1.ListNamespacedJobAsync(ns, labelSelector: selector, limit: 250, continueParameter: token, cancellationToken: cancellationToken);
            jobs += page.Items.Count;
            token = page.Metadata.ContinueProperty;
        }
        while (!string.IsNullOrEmpty(token));

        return (configMaps, jobs);
    }
}
