using System.Collections.Concurrent;
using System.Net;
using System.Text.Json.Nodes;

namespace TaskRun.Controller.Tests.Integration;

/// <summary>One request the sink received: its headers (lower-case names), body, and the status it was answered with.</summary>
internal sealed record ReceivedEvent(int Index, IReadOnlyDictionary<string, string> Headers, string Body, DateTime ReceivedAt)
{
    public int? AnsweredWith { get; set; }

    public string Header(string name) => Headers.GetValueOrDefault(name) ?? "";

    public JsonObject Data => JsonNode.Parse(Body)!.AsObject();

    public string Type => Header("ce-type");

    public string Subject => Header("ce-subject");
}

/// <summary>A CloudEvents sink on a loopback port: records every request and answers as the test says.</summary>
internal sealed class EventSink : IAsyncDisposable
{
    private readonly HttpListener listener = new();
    private readonly Task loop;
    private readonly CancellationTokenSource stop = new();
    private int count;

    public EventSink()
    {
        var port = TaskRun.Testing.DotnetProcess.FreePort();
        Url = new Uri($"http://127.0.0.1:{port}/events");
        listener.Prefixes.Add($"http://127.0.0.1:{port}/");
        listener.Start();
        loop = Task.Run(AcceptAsync);
    }

    public Uri Url { get; }

    /// <summary>Decides the status code of each request (may take its time: a slow sink).</summary>
    public Func<ReceivedEvent, CancellationToken, Task<int>> Respond { get; set; } = (_, _) => Task.FromResult(200);

    public ConcurrentQueue<ReceivedEvent> Received { get; } = new();

    public IReadOnlyList<ReceivedEvent> Delivered => [.. Received.Where(e => e.AnsweredWith is >= 200 and < 300)];

    public int Answered => Received.Count(e => e.AnsweredWith is not null);

    public async ValueTask DisposeAsync()
    {
        await stop.CancelAsync();
        listener.Stop();
        listener.Close();
        await loop.ContinueWith(_ => { }, TaskScheduler.Default);
        stop.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (!stop.IsCancellationRequested)
        {
            HttpListenerContext context;
            try
            {
                context = await listener.GetContextAsync();
            }
            catch (Exception) when (stop.IsCancellationRequested)
            {
                return;
            }
            catch (HttpListenerException)
            {
                return;
            }

            _ = Task.Run(() => HandleAsync(context));
        }
    }

    private async Task HandleAsync(HttpListenerContext context)
    {
        try
        {
            using var reader = new StreamReader(context.Request.InputStream);
            var body = await reader.ReadToEndAsync();
            var headers = context.Request.Headers.AllKeys.Where(k => k is not null)
                .ToDictionary(k => k!.ToLowerInvariant(), k => context.Request.Headers[k]!);
            var received = new ReceivedEvent(Interlocked.Increment(ref count), headers, body, DateTime.UtcNow);
            Received.Enqueue(received);
            var status = await Respond(received, stop.Token);
            context.Response.StatusCode = status;
            context.Response.Close();
            received.AnsweredWith = status;
        }
        catch (Exception) when (stop.IsCancellationRequested)
        {
        }
        catch (HttpListenerException)
        {
            // The client went away (e.g. a killed controller).
        }
    }
}
