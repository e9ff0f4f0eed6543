using System.Diagnostics;
using System.Globalization;

namespace TaskRun.ControllerBench;

/// <summary>What /proc says about a process: resident memory and CPU time.</summary>
internal static class ProcStat
{
    /// <summary>Kernel clock ticks per second (USER_HZ): 100 on every Linux this runs on.</summary>
    private const double TicksPerSecond = 100;

    /// <summary>VmRSS and VmHWM (peak) in MiB, or null when the process is gone.</summary>
    public static (double Rss, double Peak)? Memory(int pid)
    {
        try
        {
            var lines = File.ReadAllLines($"/proc/{pid}/status");
            return (Kib(lines, "VmRSS:") / 1024, Kib(lines, "VmHWM:") / 1024);
        }
        catch (IOException)
        {
            return null;
        }
    }

    /// <summary>User + system CPU seconds the process has used so far (0 when it is unknown or gone).</summary>
    public static double CpuSeconds(int? pid)
    {
        if (pid is not { } id)
        {
            return 0;
        }

        try
        {
            var stat = File.ReadAllText($"/proc/{id}/stat");
            // Fields after the command name, which is in parentheses and may hold spaces: state is field 3, utime 14, stime 15.
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return (double.Parse(fields[11], CultureInfo.InvariantCulture) + double.Parse(fields[12], CultureInfo.InvariantCulture)) / TicksPerSecond;
        }
        catch (IOException)
        {
            return 0;
        }
    }

    /// <summary>CPU seconds the whole machine has been busy (all cores, everything but idle and iowait), from /proc/stat.</summary>
    public static double MachineBusySeconds()
    {
        try
        {
            var fields = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1)
                .Select(f => double.Parse(f, CultureInfo.InvariantCulture)).ToArray();
            // user nice system idle iowait irq softirq steal [guest guest_nice, already counted in user/nice]
            return (fields.Take(8).Sum() - fields[3] - fields[4]) / TicksPerSecond;
        }
        catch (IOException)
        {
            return 0;
        }
    }

    public static double SelfCpuSeconds() => Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds;

    private static double Kib(string[] lines, string key)
    {
        var line = lines.FirstOrDefault(l => l.StartsWith(key, StringComparison.Ordinal)) ?? throw new InvalidDataException($"no {key} in /proc status");
        return double.Parse(line[key.Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
    }
}

/// <summary>A parsed Prometheus text exposition: series ("name{labels}") to value.</summary>
internal sealed class MetricSnapshot
{
    private readonly Dictionary<string, double> series;

    private MetricSnapshot(Dictionary<string, double> series) => this.series = series;

    public static MetricSnapshot Empty { get; } = new([]);

    public static MetricSnapshot Parse(string text)
    {
        var series = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.Trim();
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }

            var space = line.LastIndexOf(' ');
            if (space > 0 && double.TryParse(line[(space + 1)..], NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
            {
                series[line[..space].Trim()] = value;
            }
        }

        return new MetricSnapshot(series);
    }

    /// <summary>The sum over every series of <paramref name="name"/> whose labels contain all of <paramref name="labels"/> (k="v").</summary>
    public double Sum(string name, params string[] labels) =>
        series.Where(s => IsSeriesOf(s.Key, name) && labels.All(l => s.Key.Contains(l, StringComparison.Ordinal))).Sum(s => s.Value);

    public IEnumerable<KeyValuePair<string, double>> Series(string name) => series.Where(s => IsSeriesOf(s.Key, name));

    private static bool IsSeriesOf(string key, string name) =>
        key.StartsWith(name, StringComparison.Ordinal) && (key.Length == name.Length || key[name.Length] == '{');
}

/// <summary>The controller's /metrics, /readyz; the API server's /metrics through kubectl (it knows the credentials).</summary>
internal sealed class MetricsClient(string kubeconfig) : IDisposable
{
    private readonly HttpClient http = new() { Timeout = TimeSpan.FromSeconds(10) };

    public async Task<MetricSnapshot> ControllerAsync(int port, CancellationToken cancellationToken)
    {
        try
        {
            return MetricSnapshot.Parse(await http.GetStringAsync(new Uri($"http://127.0.0.1:{port}/metrics"), cancellationToken));
        }
        catch (HttpRequestException)
        {
            return MetricSnapshot.Empty;
        }
    }

    public async Task<bool> ReadyAsync(int port, CancellationToken cancellationToken)
    {
        try
        {
            using var response = await http.GetAsync(new Uri($"http://127.0.0.1:{port}/readyz"), cancellationToken);
            return response.IsSuccessStatusCode;
        }
        catch (HttpRequestException)
        {
            return false;
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }

    public async Task<MetricSnapshot> ApiServerAsync(CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo("kubectl", ["--kubeconfig", kubeconfig, "get", "--raw", "/metrics"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        using var process = Process.Start(start) ?? throw new InvalidOperationException("could not start kubectl");
        var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var errors = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        if (process.ExitCode != 0)
        {
            Console.Error.WriteLine($"bench: kubectl get --raw /metrics failed: {(await errors).Trim()}");
            return MetricSnapshot.Empty;
        }

        return MetricSnapshot.Parse(await output);
    }

    public void Dispose() => http.Dispose();
}

/// <summary>API requests by verb, resource and code between two API server scrapes: what a phase really cost the server.</summary>
internal static class RequestCounts
{
    private const string Metric = "apiserver_request_total";

    public static IReadOnlyList<(string Request, double Count)> Diff(MetricSnapshot before, MetricSnapshot after)
    {
        static Dictionary<string, double> Group(MetricSnapshot snapshot) => snapshot.Series(Metric)
            .GroupBy(s => Describe(s.Key))
            .ToDictionary(g => g.Key, g => g.Sum(s => s.Value), StringComparer.Ordinal);
        var was = Group(before);
        return Group(after)
            .Select(kv => (kv.Key, kv.Value - was.GetValueOrDefault(kv.Key)))
            .Where(kv => kv.Item2 > 0)
            .OrderByDescending(kv => kv.Item2)
            .ToList();
    }

    private static string Describe(string series)
    {
        string Label(string name)
        {
            var key = $"{name}=\"";
            var at = series.IndexOf(key, StringComparison.Ordinal);
            if (at < 0)
            {
                return "";
            }

            at += key.Length;
            return series[at..series.IndexOf('"', at)];
        }

        var subresource = Label("subresource");
        return $"{Label("verb")} {Label("resource")}{(subresource.Length > 0 ? "/" + subresource : "")} {Label("code")}";
    }
}
