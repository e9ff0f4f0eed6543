using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using TaskRun.Webhook.Hosting;

namespace TaskRun.WebhookLoad;

/// <summary>
/// The admission and conversion hot path without the network: the webhook's own <see cref="ReviewEndpoint"/>,
/// built with its production wiring (<see cref="WebhookHost.Build"/>: logging, metrics, handlers), answers a
/// review held in memory, one request after another on one thread. Reports CPU time and allocated bytes per request
/// for /mutate, /validate and /convert with the bodies hack/bench-webhook.sh sends. Kestrel, TLS and the socket
/// are left out: what is measured is what the webhook adds to the bare ceiling.
/// The table goes to stderr: the webhook's own log lines go to stdout, as in production.
/// </summary>
internal static class HotPathCommand
{
    public static async Task<int> RunAsync(Arguments arguments)
    {
        var seconds = double.Parse(arguments.Optional("seconds") ?? "2", CultureInfo.InvariantCulture);
        var app = WebhookHost.Build(["--Webhook:WatchConfig=false", "--Webhook:CertDirectory=/nonexistent"]);
        var endpoint = app.Services.GetRequiredService<ReviewEndpoint>();
        // For profiling one case: --only /mutate --payloads typical.
        var only = arguments.Optional("only");
        var payloadNames = (arguments.Optional("payloads") ?? "typical,large").Split(',');
        var payloads = new List<Payload>();
        if (payloadNames.Contains("typical"))
        {
            payloads.Add(Payloads.Typical());
        }

        if (payloadNames.Contains("large"))
        {
            payloads.Add(Payloads.Large());
        }

        var cases = payloads
            .SelectMany(p => new[] { ($"{p.Name} /mutate", "/mutate", p.Mutate), ($"{p.Name} /validate", "/validate", p.Validate), ($"{p.Name} /convert", "/convert", p.Convert) })
            .Where(c => only is null || c.Item2 == only)
            .ToList();
        // Every case is checked and warmed before any is measured, so JIT tiers have settled for all of them.
        foreach (var (_, path, body) in cases)
        {
            await CheckAsync(endpoint, path, body);
            await RunAsync(endpoint, path, body, TimeSpan.FromSeconds(seconds / 2));
        }

        var results = new List<(string Case, double CpuMicrosecondsPerRequest, double BytesPerRequest, double TokenizeMicroseconds)>();
        foreach (var (name, path, body) in cases)
        {
            var (micros, bytes) = await MeasureAsync(endpoint, path, body, TimeSpan.FromSeconds(seconds));
            results.Add((name, micros, bytes, MeasureTokenizing(body, TimeSpan.FromSeconds(seconds / 2))));
        }

        var width = results.Max(r => r.Case.Length);
        await Console.Error.WriteLineAsync($"Webhook hot path ({RuntimeInformation.FrameworkDescription}, one thread, {seconds:0.#} s per case after a warm-up of every case; allocated bytes per request are exact; CPU time is the process's, GC included)");
        await Console.Error.WriteLineAsync("tokenize: one Utf8JsonReader pass over the body doing nothing else, the least any handler that reads the review spends");
        await Console.Error.WriteLineAsync($"{"case".PadRight(width)}  {"CPU µs/request",14}  {"allocated B/request",20}  {"tokenize µs",11}");
        foreach (var (name, micros, bytes, tokenize) in results)
        {
            await Console.Error.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"{name.PadRight(width)}  {micros,14:N1}  {bytes,20:N0}  {tokenize,11:N1}"));
        }

        return 0;
    }

    private static async Task<(double Micros, double Bytes)> MeasureAsync(ReviewEndpoint endpoint, string path, byte[] body, TimeSpan duration)
    {
        var sink = new MemoryStream();
        await RunAsync(endpoint, path, body, duration / 4);
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        long requests = 0;
        var allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
        var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
        var watch = Stopwatch.StartNew();
        while (watch.Elapsed < duration)
        {
            await HandleAsync(endpoint, path, body, sink);
            requests++;
        }

        watch.Stop();
        var allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;
        var cpu = Process.GetCurrentProcess().TotalProcessorTime - cpuBefore;
        return (cpu.TotalMicroseconds / requests, (double)allocated / requests);
    }

    /// <summary>CPU µs per pass of a bare <see cref="Utf8JsonReader"/> over <paramref name="body"/>: a floor under any handler that reads it.</summary>
    private static double MeasureTokenizing(byte[] body, TimeSpan duration)
    {
        long tokens = 0;
        for (var i = 0; i < 1000; i++)
        {
            tokens += Tokenize(body);
        }

        long passes = 0;
        var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
        var watch = Stopwatch.StartNew();
        while (watch.Elapsed < duration)
        {
            tokens += Tokenize(body);
            passes++;
        }

        var cpu = Process.GetCurrentProcess().TotalProcessorTime - cpuBefore;
        GC.KeepAlive(tokens);
        return cpu.TotalMicroseconds / passes;
    }

    private static long Tokenize(byte[] body)
    {
        var reader = new System.Text.Json.Utf8JsonReader(body);
        long tokens = 0;
        while (reader.Read())
        {
            tokens++;
        }

        return tokens;
    }

    private static async Task RunAsync(ReviewEndpoint endpoint, string path, byte[] body, TimeSpan duration)
    {
        var sink = new MemoryStream();
        var watch = Stopwatch.StartNew();
        while (watch.Elapsed < duration)
        {
            await HandleAsync(endpoint, path, body, sink);
        }
    }

    private static async Task<int> HandleAsync(ReviewEndpoint endpoint, string path, byte[] body, MemoryStream sink)
    {
        sink.SetLength(0);
        var context = new DefaultHttpContext();
        context.Request.Method = HttpMethods.Post;
        context.Request.Scheme = "https";
        context.Request.Path = path;
        context.Request.ContentType = "application/json";
        context.Request.ContentLength = body.Length;
        context.Request.Body = new MemoryStream(body, writable: false);
        context.Response.Body = sink;
        await endpoint.HandleAsync(context);
        return context.Response.StatusCode;
    }

    /// <summary>A benchmark of wrong answers would be worthless: each case must be answered 200 with an allowed or converted review.</summary>
    private static async Task CheckAsync(ReviewEndpoint endpoint, string path, byte[] body)
    {
        var sink = new MemoryStream();
        var status = await HandleAsync(endpoint, path, body, sink);
        var answer = JsonNode.Parse(sink.ToArray())!;
        var ok = status == 200 && (path == "/convert"
            ? (string?)answer["response"]?["result"]?["status"] == "Success"
            : answer["response"]?["allowed"]?.GetValue<bool>() == true);
        if (!ok)
        {
            throw new InvalidOperationException($"{path} answered {status}: {answer.ToJsonString()[..Math.Min(500, answer.ToJsonString().Length)]}");
        }
    }
}
