using System.Globalization;

namespace TaskRun.ControllerBench;

/// <summary>Command-line settings; every one has a default matching issue 6 (1,000 TaskRuns of 3 × 10 KB, 8 workers, 10,000 in the cache).</summary>
internal sealed record BenchOptions
{
    public const string Usage = """
        usage: TaskRun.ControllerBench --kubeconfig PATH --controller-dll PATH [options]
          --count N                TaskRuns per throughput phase (default 1000)
          --files N                files per TaskRun (default 3)
          --file-bytes N           bytes per file (default 10240)
          --workers LIST           controller worker counts to run the controller phase with, e.g. 4,8,16 (default 8)
          --default-workers N      worker count of the cold-start and memory phases (default 8, the controller's default)
          --ceiling-concurrency N  concurrent plain-client pipelines in the ceiling (default: --default-workers)
          --create-concurrency N   concurrent TaskRun creates (default 32)
          --warmup N               TaskRuns processed first, not timed, so the ceiling client and the controller are
                                   measured warm (JIT tiering done), as a long-running controller is (default 200; 0 = cold)
          --memory-total N         TaskRuns in the controller's cache for the memory phase; 0 skips it (default 10000)
          --memory-file-bytes N    bytes per file of the TaskRuns the memory phase adds (default: --file-bytes)
          --memory-concurrency N   concurrent creates in the memory phase (default 16)
          --settle-seconds N       pause before reading memory, for the GC to settle (default 30)
          --no-ceiling             skip the plain-client ceiling
          --no-backlog             skip the cold-start phase (controller started after the TaskRuns exist)
          --service NAME           spec.serviceName of every TaskRun (default bench-service)
          --log-dir DIR            controller logs and pid file (default .local/bench-logs)
          --apiserver-pid N        kube-apiserver pid, for its CPU time per phase
          --etcd-pid N             etcd pid, for its CPU time per phase
          --timeout-minutes N      give up on a phase after this long (default 30)
          --scheduling-limit N     run only the scheduling benchmark: --count TaskRuns of mixed priority at once under
                                   scheduling.maxActiveRuns N; reports the most ever active and the admission latency
          --run-seconds MIN-MAX    how long each run's Job "runs" before the benchmark completes it (default 15-30:
                                   long enough that the controller keeps every slot taken, so the limit holds)
          --system                 run only the system benchmark (issue 14), through the webhook the script registered:
                                   the ceiling (--count creates, then the four minimal writes each, at --ceiling-concurrency)
                                   and the controller (--count creates at once until all Running), in one run. Its defaults:
                                   --file-bytes 3300, --create-concurrency 16, --ceiling-concurrency 16, --memory-total 0
          --webhook-pid N          the webhook's pid, for its CPU time (system benchmark)
          --controller-env LIST    extra environment of the controller process, e.g. DOTNET_GCConserveMemory=5,DOTNET_gcServer=0
          --memory-variants LIST   after the memory phase, start one more controller per variant (';'-separated, each a
                                   --controller-env list) on the same --memory-total TaskRuns and read its memory once it
                                   has listed and looked at them all: GC settings compared on the same cache; dll=PATH
                                   in a variant runs that build of the controller instead (e.g. a baseline)
        """;

    public required string Kubeconfig { get; init; }

    public required string ControllerDll { get; init; }

    public int Count { get; init; } = 1000;

    public int Files { get; init; } = 3;

    public int FileBytes { get; init; } = 10 * 1024;

    public IReadOnlyList<int> Workers { get; init; } = [8];

    public int DefaultWorkers { get; init; } = 8;

    public int? CeilingConcurrency { get; init; }

    public int CreateConcurrency { get; init; } = 32;

    public int Warmup { get; init; } = 200;

    public int MemoryTotal { get; init; } = 10_000;

    public int? MemoryFileBytes { get; init; }

    public int MemoryConcurrency { get; init; } = 16;

    public TimeSpan Settle { get; init; } = TimeSpan.FromSeconds(30);

    public bool Ceiling { get; init; } = true;

    public bool Backlog { get; init; } = true;

    public string Service { get; init; } = "bench-service";

    public string LogDir { get; init; } = Path.Combine(".local", "bench-logs");

    public int? ApiserverPid { get; init; }

    public int? EtcdPid { get; init; }

    public TimeSpan PhaseTimeout { get; init; } = TimeSpan.FromMinutes(30);

    public int? SchedulingLimit { get; init; }

    public double RunSecondsMin { get; init; } = 15;

    public double RunSecondsMax { get; init; } = 30;

    public bool System { get; init; }

    public int? WebhookPid { get; init; }

    public IReadOnlyDictionary<string, string> ControllerEnvironment { get; init; } = new Dictionary<string, string>();

    public IReadOnlyList<IReadOnlyDictionary<string, string>> MemoryVariants { get; init; } = [];

    public static BenchOptions Parse(string[] args)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        var flags = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < args.Length; i++)
        {
            var arg = args[i];
            if (!arg.StartsWith("--", StringComparison.Ordinal))
            {
                throw new ArgumentException($"unexpected argument '{arg}'");
            }

            var eq = arg.IndexOf('=', StringComparison.Ordinal);
            if (eq > 0)
            {
                values[arg[2..eq]] = arg[(eq + 1)..];
            }
            else if (arg is "--no-ceiling" or "--no-backlog" or "--help" or "--system")
            {
                flags.Add(arg[2..]);
            }
            else if (i + 1 < args.Length)
            {
                values[arg[2..]] = args[++i];
            }
            else
            {
                throw new ArgumentException($"{arg} needs a value");
            }
        }

        if (flags.Contains("help"))
        {
            throw new ArgumentException("help");
        }

        var known = new HashSet<string>(StringComparer.Ordinal)
        {
            "kubeconfig", "controller-dll", "count", "files", "file-bytes", "workers", "default-workers", "ceiling-concurrency",
            "create-concurrency", "warmup", "memory-total", "memory-file-bytes", "memory-concurrency", "settle-seconds", "service",
            "log-dir", "apiserver-pid", "etcd-pid", "timeout-minutes", "scheduling-limit", "run-seconds", "webhook-pid", "controller-env", "memory-variants",
        };
        foreach (var key in values.Keys.Where(k => !known.Contains(k)))
        {
            throw new ArgumentException($"unknown option --{key}");
        }

        int Int(string key, int fallback, int min = 1) => values.TryGetValue(key, out var v)
            ? int.Parse(v, CultureInfo.InvariantCulture) is var n && n >= min ? n : throw new ArgumentException($"--{key} must be at least {min}")
            : fallback;
        int? OptionalInt(string key) => values.ContainsKey(key) ? Int(key, 0) : null;
        string Required(string key) => values.TryGetValue(key, out var v) && v.Length > 0 ? v : throw new ArgumentException($"--{key} is required");

        var workers = values.TryGetValue("workers", out var list)
            ? list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Select(w => int.Parse(w, CultureInfo.InvariantCulture)).ToList()
            : [8];
        if (workers.Count == 0 || workers.Any(w => w is < 1 or > 256))
        {
            throw new ArgumentException("--workers takes a comma-separated list of numbers between 1 and 256");
        }

        var system = flags.Contains("system");
        var defaultWorkers = Int("default-workers", 8);
        static Dictionary<string, string> ParseEnvironment(string list)
        {
            var environment = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var pair in list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                var eq = pair.IndexOf('=', StringComparison.Ordinal);
                environment[eq > 0 ? pair[..eq] : throw new ArgumentException("--controller-env and --memory-variants take NAME=VALUE pairs, comma-separated")] = pair[(eq + 1)..];
            }

            return environment;
        }

        var runSeconds = values.GetValueOrDefault("run-seconds", "15-30").Split('-');
        if (runSeconds.Length != 2 || !double.TryParse(runSeconds[0], CultureInfo.InvariantCulture, out var runMin) ||
            !double.TryParse(runSeconds[1], CultureInfo.InvariantCulture, out var runMax) || runMin < 0 || runMax < runMin)
        {
            throw new ArgumentException("--run-seconds takes MIN-MAX seconds, e.g. 1-3");
        }

        return new BenchOptions
        {
            Kubeconfig = Path.GetFullPath(Required("kubeconfig")),
            ControllerDll = Path.GetFullPath(Required("controller-dll")),
            Count = Int("count", 1000),
            Files = Int("files", 3),
            FileBytes = Int("file-bytes", system ? 3300 : 10 * 1024),
            Workers = workers.Distinct().ToList(),
            DefaultWorkers = defaultWorkers,
            CeilingConcurrency = OptionalInt("ceiling-concurrency") ?? (system ? 16 : null),
            CreateConcurrency = Int("create-concurrency", system ? 16 : 32),
            Warmup = Int("warmup", 200, min: 0),
            MemoryTotal = Int("memory-total", system ? 0 : 10_000, min: 0),
            MemoryFileBytes = OptionalInt("memory-file-bytes"),
            MemoryConcurrency = Int("memory-concurrency", 16),
            Settle = TimeSpan.FromSeconds(Int("settle-seconds", 30, min: 0)),
            Ceiling = !flags.Contains("no-ceiling"),
            Backlog = !flags.Contains("no-backlog"),
            Service = values.GetValueOrDefault("service", "bench-service"),
            LogDir = Path.GetFullPath(values.GetValueOrDefault("log-dir", Path.Combine(".local", "bench-logs"))),
            ApiserverPid = OptionalInt("apiserver-pid"),
            EtcdPid = OptionalInt("etcd-pid"),
            PhaseTimeout = TimeSpan.FromMinutes(Int("timeout-minutes", 30)),
            SchedulingLimit = OptionalInt("scheduling-limit"),
            RunSecondsMin = runMin,
            RunSecondsMax = runMax,
            System = system,
            WebhookPid = OptionalInt("webhook-pid"),
            ControllerEnvironment = ParseEnvironment(values.GetValueOrDefault("controller-env", "")),
            MemoryVariants = values.GetValueOrDefault("memory-variants", "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Select(ParseEnvironment).ToList(),
        };
    }

    public int CeilingWorkers => CeilingConcurrency ?? DefaultWorkers;

    public int MemoryBytesPerFile => MemoryFileBytes ?? FileBytes;

    /// <summary>After the warm-up, long enough for tier-1 recompilation of the hot paths to finish.</summary>
    public static TimeSpan WarmupPause => TimeSpan.FromSeconds(5);
}
