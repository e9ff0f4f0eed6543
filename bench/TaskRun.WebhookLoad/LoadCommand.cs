using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json.Nodes;

namespace TaskRun.WebhookLoad;

/// <summary>
/// Sends AdmissionReviews and ConversionReviews over TLS keep-alive connections at a fixed concurrency to the
/// webhook's /mutate, /validate and /convert and to the bare Kestrel endpoint, for a typical and a large
/// TaskRun, and reports requests per second, p50/p99 latency and the webhook's resident memory.
/// </summary>
internal static class LoadCommand
{
    public static async Task<int> RunAsync(Arguments arguments)
    {
        var webhook = new Uri(arguments.Required("webhook"));
        var bare = new Uri(arguments.Required("bare"));
        using var ca = X509CertificateLoader.LoadCertificateFromFile(arguments.Required("ca"));
        var webhookPid = arguments.Optional("webhook-pid") is { } pid ? int.Parse(pid, CultureInfo.InvariantCulture) : (int?)null;
        var concurrency = arguments.Int("concurrency", 32);
        var seconds = arguments.Int("seconds", 10);
        var warmup = arguments.Int("warmup-seconds", 3);
        var rssAfter = arguments.Int("rss-after", 100_000);
        var reportFile = arguments.Optional("report");
        // For profiling one path: --only /validate, --payloads typical.
        var only = arguments.Optional("only");
        var payloadNames = (arguments.Optional("payloads") ?? "typical,large").Split(',');

        using var client = CreateClient(ca, concurrency);
        var results = new List<Result>();
        long webhookRequests = 0;
        var report = new StringBuilder();
        var rssLines = new List<string>();

        var payloads = new List<Payload>();
        if (payloadNames.Contains("typical"))
        {
            payloads.Add(Payloads.Typical());
        }

        if (payloadNames.Contains("large"))
        {
            payloads.Add(Payloads.Large());
        }

        foreach (var payload in payloads)
        {
            await Console.Error.WriteLineAsync($"== {payload.Name}: object {payload.ObjectBytes:N0} bytes; mutate review {payload.Mutate.Length:N0}, convert review {payload.Convert.Length:N0} bytes");
            await SanityCheckAsync(client, webhook, payload);
            // Warm every path first (JIT tiers and PGO settle), so the first endpoint measured is not penalised.
            await Console.Error.WriteLineAsync($"   warm-up of all endpoints: {3 * warmup}s");
            foreach (var (path, body) in new[] { ("/mutate", payload.Mutate), ("/validate", payload.Validate), ("/convert", payload.Convert) })
            {
                webhookRequests += (await RunPhaseAsync(client, new Uri(webhook, path), body, concurrency, TimeSpan.FromSeconds(warmup), record: false)).WarmupRequests;
            }

            await RunPhaseAsync(client, new Uri(bare, "/mutate"), payload.Mutate, concurrency, TimeSpan.FromSeconds(warmup), record: false);
            var cases = new (string Endpoint, Uri Target, byte[] Body)[]
            {
                ("bare (ceiling)", new Uri(bare, "/mutate"), payload.Mutate),
                ("/mutate", new Uri(webhook, "/mutate"), payload.Mutate),
                ("/validate", new Uri(webhook, "/validate"), payload.Validate),
                ("/convert", new Uri(webhook, "/convert"), payload.Convert),
            };
            foreach (var (endpoint, target, body) in cases.Where(c => only is null || c.Endpoint.StartsWith("bare", StringComparison.Ordinal) || c.Endpoint == only))
            {
                await Console.Error.WriteLineAsync($"   {endpoint}: warm-up {warmup}s, measure {seconds}s, concurrency {concurrency}");
                await RunPhaseAsync(client, target, body, concurrency, TimeSpan.FromSeconds(warmup), record: false);
                var result = await RunPhaseAsync(client, target, body, concurrency, TimeSpan.FromSeconds(seconds), record: true);
                results.Add(result with { Case = payload.Name, Endpoint = endpoint });
                if (target.Port == webhook.Port)
                {
                    webhookRequests += result.Requests + result.WarmupRequests;
                }
            }

            if (webhookPid is { } id && rssLines.Count == 0 && only is null)
            {
                // Top up to the requested count with typical mutations, then read the resident set.
                while (webhookRequests < rssAfter)
                {
                    var extra = await RunPhaseAsync(client, new Uri(webhook, "/mutate"), payload.Mutate, concurrency, TimeSpan.FromSeconds(2), record: false);
                    webhookRequests += extra.WarmupRequests;
                }

                rssLines.Add($"webhook resident memory after {webhookRequests:N0} typical requests: {Rss(id)}");
            }
        }

        if (webhookPid is { } webhookId)
        {
            rssLines.Add($"webhook resident memory at the end (after the 1 MB cases too, {webhookRequests:N0} requests in all): {Rss(webhookId)}; peak (VmHWM) {Peak(webhookId)}");
        }

        report.AppendLine(CultureInfo.InvariantCulture, $"Webhook load: concurrency {concurrency}, TLS keep-alive, {seconds}s per case after {warmup}s of warm-up, {Environment.ProcessorCount} cores shared by the load generator and the servers.");
        report.AppendLine();
        report.AppendLine("| case | endpoint | requests | req/s | of ceiling | p50 ms | p99 ms | max ms | errors |");
        report.AppendLine("|---|---|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var group in results.GroupBy(r => r.Case))
        {
            var ceiling = group.First(r => r.Endpoint.StartsWith("bare", StringComparison.Ordinal)).RequestsPerSecond;
            foreach (var r in group)
            {
                report.AppendLine(CultureInfo.InvariantCulture,
                    $"| {r.Case} | {r.Endpoint} | {r.Requests:N0} | {r.RequestsPerSecond:N0} | {r.RequestsPerSecond / ceiling:P0} | {r.P50:F2} | {r.P99:F2} | {r.Max:F1} | {r.Errors} |");
            }
        }

        report.AppendLine();
        foreach (var line in rssLines)
        {
            report.AppendLine(line);
        }

        await Console.Out.WriteAsync(report.ToString());
        if (reportFile is not null)
        {
            await File.WriteAllTextAsync(reportFile, report.ToString());
        }

        return results.Any(r => r.Errors > 0) ? 1 : 0;
    }

    private static HttpClient CreateClient(X509Certificate2 ca, int concurrency) => new(new SocketsHttpHandler
    {
        MaxConnectionsPerServer = concurrency,
        PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
        PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5),
        SslOptions = new SslClientAuthenticationOptions
        {
            RemoteCertificateValidationCallback = (_, certificate, _, _) =>
            {
                if (certificate is null)
                {
                    return false;
                }

                using var chain = new X509Chain();
                chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                chain.ChainPolicy.CustomTrustStore.Add(ca);
                chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                return chain.Build(X509CertificateLoader.LoadCertificate(certificate.GetRawCertData()));
            },
        },
    })
    { Timeout = TimeSpan.FromSeconds(60) };

    /// <summary>One request per endpoint, checked: a benchmark of wrong answers would be worthless.</summary>
    private static async Task SanityCheckAsync(HttpClient client, Uri webhook, Payload payload)
    {
        var mutate = await PostJsonAsync(client, new Uri(webhook, "/mutate"), payload.Mutate);
        var validate = await PostJsonAsync(client, new Uri(webhook, "/validate"), payload.Validate);
        var convert = await PostJsonAsync(client, new Uri(webhook, "/convert"), payload.Convert);
        if (mutate["response"]?["allowed"]?.GetValue<bool>() != true || mutate["response"]?["patch"] is null)
        {
            throw new InvalidOperationException($"/mutate did not allow with a patch: {Shorten(mutate)}");
        }

        if (validate["response"]?["allowed"]?.GetValue<bool>() != true)
        {
            throw new InvalidOperationException($"/validate did not allow: {Shorten(validate)}");
        }

        if ((string?)convert["response"]?["result"]?["status"] != "Success" || (string?)convert["response"]?["convertedObjects"]?[0]?["apiVersion"] != "orchestrator.io/v2")
        {
            throw new InvalidOperationException($"/convert did not convert: {Shorten(convert)}");
        }
    }

    private static async Task<JsonNode> PostJsonAsync(HttpClient client, Uri target, byte[] body)
    {
        using var content = new ByteArrayContent(body);
        content.Headers.ContentType = Json;
        using var response = await client.PostAsync(target, content);
        response.EnsureSuccessStatusCode();
        return JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
    }

    private static string Shorten(JsonNode node)
    {
        var text = node.ToJsonString();
        return text.Length > 500 ? text[..500] + "…" : text;
    }

    private static readonly MediaTypeHeaderValue Json = new("application/json");

    private static async Task<Result> RunPhaseAsync(HttpClient client, Uri target, byte[] body, int concurrency, TimeSpan duration, bool record)
    {
        var latencies = new List<double>[concurrency];
        var errors = 0;
        var count = 0L;
        var stopAt = Stopwatch.GetTimestamp() + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        var started = Stopwatch.GetTimestamp();
        var workers = Enumerable.Range(0, concurrency).Select(worker => Task.Run(async () =>
        {
            var mine = latencies[worker] = new List<double>(64 * 1024);
            var buffer = new byte[64 * 1024];
            while (Stopwatch.GetTimestamp() < stopAt)
            {
                var start = Stopwatch.GetTimestamp();
                try
                {
                    using var request = new HttpRequestMessage(HttpMethod.Post, target) { Content = new ByteArrayContent(body) };
                    request.Content.Headers.ContentType = Json;
                    using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
                    await using var stream = await response.Content.ReadAsStreamAsync();
                    while (await stream.ReadAsync(buffer) > 0)
                    {
                    }

                    if (!response.IsSuccessStatusCode)
                    {
                        Interlocked.Increment(ref errors);
                    }
                }
                catch (HttpRequestException)
                {
                    Interlocked.Increment(ref errors);
                }

                Interlocked.Increment(ref count);
                if (record)
                {
                    mine.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
                }
            }
        })).ToArray();
        await Task.WhenAll(workers);
        var elapsed = Stopwatch.GetElapsedTime(started).TotalSeconds;
        if (!record)
        {
            return new Result("", "", 0, 0, 0, 0, 0, errors, count);
        }

        var all = latencies.SelectMany(l => l).ToArray();
        Array.Sort(all);
        return new Result("", "", all.Length, all.Length / elapsed, Percentile(all, 0.50), Percentile(all, 0.99), all.Length == 0 ? 0 : all[^1], errors, 0);
    }

    private static double Percentile(double[] sorted, double p) =>
        sorted.Length == 0 ? 0 : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)];

    private static string Rss(int pid) => Status(pid, "VmRSS:");

    private static string Peak(int pid) => Status(pid, "VmHWM:");

    private static string Status(int pid, string field)
    {
        var line = File.ReadLines($"/proc/{pid}/status").FirstOrDefault(l => l.StartsWith(field, StringComparison.Ordinal));
        if (line is null)
        {
            return "unknown";
        }

        var kb = long.Parse(line[field.Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
        return string.Create(CultureInfo.InvariantCulture, $"{kb / 1024.0:F1} MB");
    }

    private sealed record Result(
        string Case, string Endpoint, long Requests, double RequestsPerSecond, double P50, double P99, double Max, int Errors, long WarmupRequests);
}
