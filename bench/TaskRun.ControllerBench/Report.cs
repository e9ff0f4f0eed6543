using System.Text;

namespace TaskRun.ControllerBench;

/// <summary>The tables printed at the end. Reports only: the targets are shown next to the figures, nothing fails.</summary>
internal sealed class Report(BenchOptions options)
{
    private const double ThroughputTarget = 0.70;
    private const double MemoryTargetMiB = 300;

    public ThroughputResult? Ceiling { get; set; }

    public double[] CeilingSteps { get; set; } = [];

    public double? CreateRate { get; set; }

    /// <summary>CPU ms (kube-apiserver + etcd + bench) per TaskRun create, measured while nothing else of ours ran.</summary>
    public double? CreateCpuMs { get; set; }

    public List<ThroughputResult> Throughput { get; } = [];

    public List<MemoryReading> Memory { get; } = [];

    public string? MemoryNote { get; set; }

    /// <summary>Nearest-rank percentile.</summary>
    public static double Percentile(IReadOnlyCollection<double> values, double p)
    {
        if (values.Count == 0)
        {
            return double.NaN;
        }

        var sorted = values.Order().ToArray();
        var rank = (int)Math.Ceiling(p * sorted.Length);
        return sorted[Math.Clamp(rank - 1, 0, sorted.Length - 1)];
    }

    public void Print()
    {
        var text = new StringBuilder();
        text.AppendLine();
        text.AppendLine($"==== controller scale benchmark: {options.Count} TaskRuns × {options.Files} files × {options.FileBytes} B, {Environment.ProcessorCount} CPUs ====");
        text.AppendLine(options.Warmup > 0
            ? $"warm: the ceiling client and each controller first process {options.Warmup} TaskRuns, untimed (JIT tiering done); the cold start is cold by design"
            : "cold: no warm-up (--warmup 0); JIT compilation is part of every figure");
        if (CreateRate is { } rate)
        {
            text.AppendLine($"(plain TaskRun creates alone, {options.CreateConcurrency} concurrent: {rate:0.0}/s, {CreateCpuMs:0.0} CPU ms each)");
        }

        var all = (Ceiling is null ? Throughput : Throughput.Prepend(Ceiling)).ToList();
        text.AppendLine();
        Table(text,
            ["phase", "workers", "TaskRuns", "seconds", "TaskRuns/s", "% ceiling", "p50 s", "p99 s", "max s", "CPU-bound/s", "% ceiling", "note"],
            all.Select(r => new[]
            {
                r.Phase, $"{r.Workers}", $"{r.Count}", $"{r.Seconds:0.0}", $"{r.Throughput:0.0}",
                Ceiling is null || r == Ceiling ? "" : $"{r.Throughput / Ceiling.Throughput:0%}",
                $"{Percentile(r.Latencies, 0.5):0.00}", $"{Percentile(r.Latencies, 0.99):0.00}", $"{r.Latencies.Max():0.00}",
                $"{r.CpuBoundCapacity:0.0}", Ceiling is null || r == Ceiling ? "" : $"{r.CpuBoundCapacity / Ceiling.CpuBoundCapacity:0%}",
                r.Note,
            }));
        text.AppendLine("latency: ceiling = one TaskRun's writes; created at once = create sent → seen Running; cold start = controller working → seen Running");
        text.AppendLine($"CPU-bound/s = {Environment.ProcessorCount} cores ÷ CPU seconds per TaskRun of controller + kube-apiserver + etcd + bench: the rate if nothing else ran on the machine");
        if (Ceiling is not null && CreateCpuMs is { } createCpu)
        {
            foreach (var r in Throughput.Where(r => r.IncludesCreates))
            {
                var capacity = r.CpuBoundCapacityWithoutCreates(createCpu);
                text.AppendLine($"  {ShortName(r)} without the creates' {createCpu:0.0} CPU ms each (the ceiling does not create): {capacity:0.0}/s = {capacity / Ceiling.CpuBoundCapacity:0%} of the ceiling");
            }
        }

        if (CeilingSteps.Length > 0)
        {
            text.AppendLine();
            text.AppendLine("ceiling: mean ms per TaskRun by write: " + string.Join(", ", CeilingPhase.Steps.Zip(CeilingSteps, (s, v) => $"{s} {v * 1000:0.0}")));
        }

        text.AppendLine();
        text.AppendLine("per TaskRun (API requests from the API server's apiserver_request_total, whoever made them; CPU from /proc):");
        var requestKinds = all.SelectMany(r => r.Costs.Requests.Select(q => q.Request)).Distinct()
            .OrderByDescending(k => all.Sum(r => r.Costs.Requests.FirstOrDefault(q => q.Request == k).Count)).ToList();
        var rows = new List<string[]>
        {
            Row("reconciles", r => r.Costs.Reconciles / r.Count, "0.00"),
            Row("reconcile errors", r => r.Costs.ReconcileErrors / r.Count, "0.00"),
            Row("work-queue adds", r => r.Costs.QueueAdds / r.Count, "0.00"),
            Row("work-queue retries", r => r.Costs.QueueRetries / r.Count, "0.00"),
            Row("mean reconcile ms", r => r.Costs.MeanReconcileMs, "0.0"),
            Row("mean queue wait ms", r => r.Costs.MeanQueueWaitMs, "0.0"),
            Row("controller CPU ms", r => r.Costs.ControllerCpu * 1000 / r.Count, "0.0"),
            Row("kube-apiserver CPU ms", r => r.Costs.ApiServerCpu * 1000 / r.Count, "0.0"),
            Row("etcd CPU ms", r => r.Costs.EtcdCpu * 1000 / r.Count, "0.0"),
            Row("bench CPU ms", r => r.Costs.BenchCpu * 1000 / r.Count, "0.0"),
            Row("= CPU ms under test", r => r.Costs.OwnCpu * 1000 / r.Count, "0.0"),
            Row("other processes CPU ms", r => r.Costs.OtherCpu * 1000 / r.Count, "0.0"),
            Row("machine CPU busy % (phase)", r => r.Costs.MachineBusyPercent, "0"),
            Row("API requests, all", r => r.Costs.Requests.Sum(q => q.Count) / r.Count, "0.00"),
        };
        rows.AddRange(requestKinds.Select(k => Row("  " + k, r => r.Costs.Requests.FirstOrDefault(q => q.Request == k).Count / r.Count, "0.00")));
        Table(text, ["", .. all.Select(r => ShortName(r))], rows);

        if (Memory.Count > 0)
        {
            text.AppendLine();
            Table(text,
                ["controller memory", "TaskRuns", "VmRSS MiB", "VmHWM MiB", "managed heap MiB", "target"],
                Memory.Select(m => new[]
                {
                    m.State, $"{m.TaskRunsInCache}", $"{m.RssMiB:0}", $"{m.PeakMiB:0}", $"{m.ManagedHeapMiB:0}",
                    m.TaskRunsInCache >= options.MemoryTotal && options.MemoryTotal > 0 ? (m.RssMiB < MemoryTargetMiB ? "< 300 MB: met" : "< 300 MB: NOT met") : "",
                }));
            if (MemoryNote is not null)
            {
                text.AppendLine(MemoryNote);
            }
        }

        if (Ceiling is not null)
        {
            text.AppendLine();
            foreach (var r in Throughput)
            {
                var share = r.Throughput / Ceiling.Throughput;
                var cpuShare = r.CpuBoundCapacity / Ceiling.CpuBoundCapacity;
                text.AppendLine($"{ShortName(r)}: {r.Throughput:0.0}/s = {share:0%} of the ceiling's {Ceiling.Throughput:0.0}/s " +
                    $"(target ≥ {ThroughputTarget:0%}: {(share >= ThroughputTarget ? "met" : "NOT met")}); CPU-bound {cpuShare:0%} " +
                    $"({(cpuShare >= ThroughputTarget ? "met" : "NOT met")})");
            }
        }

        Console.Write(text.ToString());

        string[] Row(string name, Func<ThroughputResult, double> value, string format) =>
            [name, .. all.Select(r => value(r).ToString(format, System.Globalization.CultureInfo.InvariantCulture))];
    }

    private static string ShortName(ThroughputResult r) =>
        r.Phase.StartsWith("ceiling", StringComparison.Ordinal) ? $"ceiling w={r.Workers}"
        : r.Phase.Contains("cold", StringComparison.Ordinal) ? $"cold start w={r.Workers}"
        : $"at once w={r.Workers}";

    private static void Table(StringBuilder text, string[] header, IEnumerable<string[]> rows)
    {
        var all = rows.Prepend(header).ToList();
        var widths = Enumerable.Range(0, header.Length).Select(c => all.Max(r => c < r.Length ? r[c].Length : 0)).ToArray();
        for (var i = 0; i < all.Count; i++)
        {
            var row = all[i];
            text.AppendLine(string.Join("  ", row.Select((cell, c) => c == 0 || c == row.Length - 1 && header[^1] is "note" or "target" ? cell.PadRight(widths[c]) : cell.PadLeft(widths[c]))).TrimEnd());
            if (i == 0)
            {
                text.AppendLine(string.Join("  ", widths.Select(w => new string('-', w))));
            }
        }
    }
}
