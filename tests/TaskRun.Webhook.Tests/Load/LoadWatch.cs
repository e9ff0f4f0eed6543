using System.Diagnostics;

namespace TaskRun.Webhook.Tests.Load;

/// <summary>
/// While a load runs: samples the webhook's resident memory every 20 ms and probes /healthz and /readyz in
/// turn every 100 ms (as a kubelet would, with a 2 s timeout), recording every failure and each answer's latency.
/// </summary>
internal sealed class LoadWatch : IAsyncDisposable
{
    private readonly WebhookProcess webhook;
    private readonly CancellationTokenSource stop = new();
    private readonly List<double> healthMilliseconds = [];
    private readonly List<string> healthFailures = [];
    private readonly Task sampling;
    private readonly Task probing;
    private long peakSampledBytes;

    public LoadWatch(WebhookProcess webhook)
    {
        this.webhook = webhook;
        StartResidentBytes = webhook.ResidentBytes();
        sampling = Task.Run(SampleAsync);
        probing = Task.Run(ProbeAsync);
    }

    public long StartResidentBytes { get; }

    public long PeakSampledBytes => Interlocked.Read(ref peakSampledBytes);

    public IReadOnlyList<string> HealthFailures => healthFailures;

    public int HealthProbes => healthMilliseconds.Count + healthFailures.Count;

    public double HealthMaxMilliseconds => healthMilliseconds.DefaultIfEmpty().Max();

    public double HealthP99Milliseconds => healthMilliseconds.Count == 0 ? 0 : healthMilliseconds.Order().ElementAt((int)Math.Ceiling(healthMilliseconds.Count * 0.99) - 1);

    public async Task StopAsync()
    {
        await stop.CancelAsync();
        await Task.WhenAll(sampling, probing);
    }

    private async Task SampleAsync()
    {
        while (!stop.IsCancellationRequested)
        {
            var rss = webhook.ResidentBytes();
            if (rss > Interlocked.Read(ref peakSampledBytes))
            {
                Interlocked.Exchange(ref peakSampledBytes, rss);
            }

            await Task.Delay(20, CancellationToken.None);
        }
    }

    private async Task ProbeAsync()
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        Uri[] urls = [new(webhook.HealthUri, "/healthz"), new(webhook.HealthUri, "/readyz")];
        for (var probe = 0; !stop.IsCancellationRequested; probe++)
        {
            var url = urls[probe % urls.Length];
            var started = Stopwatch.GetTimestamp();
            try
            {
                using var response = await http.GetAsync(url, CancellationToken.None);
                var elapsed = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                lock (healthMilliseconds)
                {
                    if (response.IsSuccessStatusCode)
                    {
                        healthMilliseconds.Add(elapsed);
                    }
                    else
                    {
                        healthFailures.Add($"{url.AbsolutePath}: HTTP {(int)response.StatusCode} after {elapsed:0} ms");
                    }
                }
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                lock (healthMilliseconds)
                {
                    healthFailures.Add($"{url.AbsolutePath}: {e.GetType().Name} after {Stopwatch.GetElapsedTime(started).TotalMilliseconds:0} ms: {e.Message}");
                }
            }

            await Task.Delay(100, CancellationToken.None);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!stop.IsCancellationRequested)
        {
            await StopAsync();
        }

        stop.Dispose();
    }
}
