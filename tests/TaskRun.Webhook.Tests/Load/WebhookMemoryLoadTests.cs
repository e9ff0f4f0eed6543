using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json.Nodes;
using Xunit;
using Xunit.Abstractions;

namespace TaskRun.Webhook.Tests.Load;

/// <summary>
/// Hostile and heavy load on the webhook process, on loopback: oversized bodies, stalled senders, and a long run
/// of large reviews. Whatever comes in, its resident memory stays under the Deployment's memory limit, /healthz
/// and /readyz answer every probe, the load is answered with 200, 413 or 503 (never a 500 or a crash), and a normal review
/// is admitted right after. Peak and settled memory and health latency are printed; speed is not asserted.
/// </summary>
[Collection(Name)]
public sealed class WebhookMemoryLoadTests(ITestOutputHelper output) : IAsyncLifetime
{
    public const string Name = "webhook-load";

    private WebhookProcess? webhook;

    private WebhookProcess Webhook => webhook ?? throw new InvalidOperationException("not started");

    public async Task InitializeAsync() => webhook = await WebhookProcess.StartAsync();

    [Fact]
    public async Task Forty_eight_concurrent_5_MB_bodies_are_refused_with_413_or_503_within_the_memory_limit()
    {
        var body = LoadClients.Review(5_000_000);
        var statuses = await MeasureAsync("48 concurrent 5 MB bodies (24 with Content-Length, 24 chunked)", async () =>
        {
            using var http = LoadClients.Client(Webhook.Ca.Ca);
            var answered = await Task.WhenAll(Enumerable.Range(0, 48).Select(i => LoadClients.PostAsync(http, Webhook.TlsUri, "/validate", body, chunked: i % 2 == 1)));
            output.WriteLine($"answers: {string.Join(", ", answered.GroupBy(s => s).OrderBy(g => g.Key).Select(g => $"{g.Count()} × {(g.Key == -1 ? "closed while sending" : g.Key.ToString(System.Globalization.CultureInfo.InvariantCulture))}"))}");
            return answered;
        });

        // -1: the server answered 413 and closed before the whole body was sent, which the client reports as an error.
        Assert.All(statuses, s => Assert.Contains(s, new[] { 413, 503, -1 }));
    }

    [Fact]
    public async Task A_hundred_stalled_5_MB_senders_are_dropped_and_hold_no_more_than_the_budget()
    {
        var results = await MeasureAsync("100 stalled senders of 5 MB bodies (2 MB sent, then nothing)", async () =>
        {
            var stalled = await Task.WhenAll(Enumerable.Range(0, 100).Select(i =>
                LoadClients.StallAsync(Webhook.TlsUri, Webhook.Ca.Ca, declaredBytes: i % 2 == 0 ? 5_000_000 : 0, sentBytes: 2_000_000, giveUp: TimeSpan.FromSeconds(60))));
            Describe(stalled);
            return stalled;
        });
        // Every stalled connection is closed by the server (none reaches the 60 s give-up), with 413 (declared too
        // large), 503 (no budget within the wait), 408 (too slow: under the minimum body rate) or just closed.
        Assert.All(results, r => Assert.True(r.ClosedAfter < TimeSpan.FromSeconds(60), "a stalled sender was never dropped"));
        Assert.All(results, r => Assert.Contains(r.Status, new[] { 0, 408, 413, 503 }));
    }

    private void Describe((int Status, TimeSpan ClosedAfter)[] results) =>
        output.WriteLine($"answers: {string.Join(", ", results.GroupBy(r => r.Status).OrderBy(g => g.Key).Select(g => $"{g.Count()} × {(g.Key == 0 ? "closed without answer" : g.Key.ToString(System.Globalization.CultureInfo.InvariantCulture))}"))}; " +
            $"last connection closed by the server after {results.Max(r => r.ClosedAfter).TotalSeconds:0.0} s");

    [Fact]
    public async Task Two_thousand_1_MB_reviews_at_concurrency_64_are_answered_within_the_memory_limit()
    {
        var body = LoadClients.Review(1_000_000);
        var statuses = new ConcurrentBag<int>();
        var elapsed = Stopwatch.StartNew();
        await MeasureAsync("2,000 × 1 MB reviews at concurrency 64", async () =>
        {
            using var http = LoadClients.Client(Webhook.Ca.Ca);
            var next = -1;
            await Task.WhenAll(Enumerable.Range(0, 64).Select(async _ =>
            {
                while (Interlocked.Increment(ref next) < 2000)
                {
                    statuses.Add(await LoadClients.PostAsync(http, Webhook.TlsUri, "/validate", body, chunked: false));
                }
            }));
            output.WriteLine($"2,000 reviews in {elapsed.Elapsed.TotalSeconds:0.0} s: {statuses.Count(s => s == 200)} × 200, {statuses.Count(s => s == 503)} × 503 (over budget), others {statuses.Count(s => s is not 200 and not 503)}");
            return 0;
        });

        var ok = statuses.Count(s => s == 200);
        Assert.True(statuses.All(s => s is 200 or 503), "answers other than 200 and 503; the webhook's log:\n" + Webhook.ReadLog());
        Assert.True(ok >= 1000, $"only {ok} of 2,000 valid reviews were answered; the budget sheds too much");
    }

    /// <summary>Runs <paramref name="load"/> under a <see cref="LoadWatch"/>, then checks and prints memory and health.</summary>
    private async Task<T> MeasureAsync<T>(string what, Func<Task<T>> load)
    {
        var limit = WebhookProcess.DeploymentMemoryLimitBytes;
        T result;
        await using (var watch = new LoadWatch(Webhook))
        {
            result = await load();
            var admitted = await NormalReviewAllowedAsync();
            await Task.Delay(TimeSpan.FromSeconds(6)); // settling: the trimmer runs within seconds of the load's end
            await watch.StopAsync();
            var settled = Webhook.ResidentBytes();
            var heap = await ManagedHeapBytesAsync();
            var peak = Math.Max(Webhook.PeakResidentBytes(), watch.PeakSampledBytes);
            output.WriteLine($"{what}: RSS idle {Mi(watch.StartResidentBytes)}, peak {Mi(peak)}, settled {Mi(settled)} (managed heap {Mi(heap)}; limit {Mi(limit)}); " +
                $"/healthz and /readyz {watch.HealthProbes} probes, {watch.HealthFailures.Count} failed, p99 {watch.HealthP99Milliseconds:0} ms, max {watch.HealthMaxMilliseconds:0} ms");

            Assert.False(Webhook.HasExited, Webhook.ReadLog());
            Assert.True(peak < limit, $"peak RSS {Mi(peak)} reached the Deployment limit {Mi(limit)}");
            Assert.True(watch.HealthFailures.Count == 0, "a health probe failed: " + string.Join("; ", watch.HealthFailures.Take(5)));
            Assert.True(admitted, "a normal TaskRun was not admitted right after the load");
        }

        return result;
    }

    private async Task<bool> NormalReviewAllowedAsync()
    {
        using var http = LoadClients.Client(Webhook.Ca.Ca);
        using var content = new ByteArrayContent(LoadClients.Review(2_000, "after-load"));
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        using var response = await http.PostAsync(new Uri(Webhook.TlsUri, "/validate"), content);
        var answer = JsonNode.Parse(await response.Content.ReadAsStringAsync());
        return response.IsSuccessStatusCode && answer?["response"]?["allowed"]?.GetValue<bool>() == true;
    }

    /// <summary>The GC heap's size as the webhook reports it on /metrics.</summary>
    private async Task<long> ManagedHeapBytesAsync()
    {
        using var http = new HttpClient();
        var metrics = await http.GetStringAsync(new Uri(Webhook.HealthUri, "/metrics"));
        var line = metrics.Split('\n').First(l => l.StartsWith("dotnet_total_memory_bytes ", StringComparison.Ordinal));
        return (long)double.Parse(line.Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture);
    }

    private static string Mi(long bytes) => $"{bytes / 1048576.0:0} MiB";

    public async Task DisposeAsync()
    {
        if (webhook is not null)
        {
            await webhook.DisposeAsync();
        }
    }
}

/// <summary>Alone: other tests running beside it would blur its memory and latency figures.</summary>
[CollectionDefinition(WebhookMemoryLoadTests.Name, DisableParallelization = true)]
public sealed class WebhookLoadTestGroup
{
}
