using System.Collections.Concurrent;
using System.Net;
using System.Text;

namespace TaskRun.Testing;

/// <summary>
/// A local OTLP/HTTP receiver: records the path and body of every POST and answers 200, as a collector would.
/// Bodies are protobuf; the strings in them (attribute keys and values, span names) are plain UTF-8.
/// </summary>
public sealed class OtlpReceiver : IDisposable
{
    private readonly HttpListener listener = new();
    private readonly Task loop;

    public OtlpReceiver()
    {
        var port = DotnetProcess.FreePort();
        Endpoint = new Uri($"http://127.0.0.1:{port}");
        listener.Prefixes.Add($"http://127.0.0.1:{port}/");
        listener.Start();
        loop = Task.Run(ReceiveAsync);
    }

    /// <summary>The base endpoint to give as OTEL_EXPORTER_OTLP_ENDPOINT.</summary>
    public Uri Endpoint { get; }

    public ConcurrentQueue<(string Path, byte[] Body)> Requests { get; } = new();

    public bool Received(string path, params string[] texts) =>
        Requests.Any(r => r.Path == path && texts.All(text => Contains(r.Body, text)));

    public bool ReceivedAnywhere(string text) => Requests.Any(r => Contains(r.Body, text));

    /// <summary>True when there was a request and every one contains all of <paramref name="texts"/>.</summary>
    public bool EveryRequestContains(params string[] texts) => !Requests.IsEmpty && Requests.All(r => texts.All(text => Contains(r.Body, text)));

    public void Dispose()
    {
        listener.Close();
        try
        {
            loop.Wait(TimeSpan.FromSeconds(5));
        }
        catch (AggregateException)
        {
            // the listener was closed under a pending accept
        }
    }

    private async Task ReceiveAsync()
    {
        while (listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await listener.GetContextAsync();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }

            using var body = new MemoryStream();
            await context.Request.InputStream.CopyToAsync(body);
            Requests.Enqueue((context.Request.Url!.AbsolutePath, body.ToArray()));
            context.Response.StatusCode = 200;
            context.Response.Close();
        }
    }

    private static bool Contains(byte[] body, string text) => body.AsSpan().IndexOf(Encoding.UTF8.GetBytes(text)) >= 0;
}
