using System.Diagnostics;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json.Nodes;
using TaskRun.Webhook.Tests.Support;

namespace TaskRun.Webhook.Tests.Load;

/// <summary>What the load tests send: AdmissionReview bodies of a given size, whole or chunked, or stalled halfway.</summary>
internal static class LoadClients
{
    /// <summary>A v2 TaskRun CREATE review of about <paramref name="bytes"/> bytes (one big markdown file).</summary>
    public static byte[] Review(int bytes, string name = "load")
    {
        var taskRun = Reviews.MinimalTaskRun(name);
        var files = (JsonArray)taskRun["spec"]!["files"]!;
        files[1]!["content"] = MarkdownOfLength(Math.Max(0, bytes - 700));
        var review = new JsonObject
        {
            ["apiVersion"] = "admission.k8s.io/v1",
            ["kind"] = "AdmissionReview",
            ["request"] = new JsonObject
            {
                ["uid"] = Guid.NewGuid().ToString(),
                ["kind"] = new JsonObject { ["group"] = "orchestrator.io", ["version"] = "v2", ["kind"] = "TaskRun" },
                ["resource"] = new JsonObject { ["group"] = "orchestrator.io", ["version"] = "v2", ["resource"] = "taskruns" },
                ["namespace"] = "team-a",
                ["name"] = name,
                ["operation"] = "CREATE",
                ["object"] = taskRun,
            },
        };
        return Encoding.UTF8.GetBytes(review.ToJsonString());
    }

    public static HttpClient Client(X509Certificate2 ca) => InProcessWebhook.CreateClient(ca);

    /// <summary>Posts a body, with its length or chunked (length unknown to the server until the end); returns the status.</summary>
    public static async Task<int> PostAsync(HttpClient http, Uri tls, string path, byte[] body, bool chunked)
    {
        using HttpContent content = chunked ? new ChunkedContent(body) : new ByteArrayContent(body);
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        try
        {
            using var response = await http.PostAsync(new Uri(tls, path), content);
            return (int)response.StatusCode;
        }
        catch (HttpRequestException)
        {
            // The server answered (413) and closed while the body was still being sent.
            return -1;
        }
    }

    /// <summary>
    /// Sends the head and <paramref name="sentBytes"/> of a body of <paramref name="declaredBytes"/> (0: chunked),
    /// then nothing. Returns the status the server answered with (0 if none) and when it closed the connection.
    /// </summary>
    public static async Task<(int Status, TimeSpan ClosedAfter)> StallAsync(Uri tls, X509Certificate2 ca, long declaredBytes, int sentBytes, TimeSpan giveUp)
    {
        var started = Stopwatch.StartNew();
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, tls.Port);
        await using var stream = new SslStream(tcp.GetStream(), false, (_, certificate, _, _) =>
            certificate is not null && InProcessWebhook.ChainsTo(X509CertificateLoader.LoadCertificate(certificate.GetRawCertData()), ca));
        try
        {
            await stream.AuthenticateAsClientAsync("127.0.0.1");
        }
        catch (Exception e) when (e is IOException or System.Security.Authentication.AuthenticationException)
        {
            // Refused before the handshake: the connection limit at work.
            return (0, started.Elapsed);
        }

        var framing = declaredBytes > 0 ? $"Content-Length: {declaredBytes}" : "Transfer-Encoding: chunked";
        var reading = ReadStatusUntilClosedAsync(stream);
        try
        {
            await stream.WriteAsync(Encoding.ASCII.GetBytes($"POST /validate HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n{framing}\r\n\r\n"));
            var chunk = new byte[64 * 1024];
            Array.Fill(chunk, (byte)' ');
            for (var sent = 0; sent < sentBytes && !reading.IsCompleted; sent += chunk.Length)
            {
                if (declaredBytes == 0)
                {
                    await stream.WriteAsync(Encoding.ASCII.GetBytes($"{chunk.Length:x}\r\n"));
                    await stream.WriteAsync(chunk);
                    await stream.WriteAsync("\r\n"u8.ToArray());
                }
                else
                {
                    await stream.WriteAsync(chunk);
                }
            }
        }
        catch (IOException)
        {
            // Closed by the server while sending.
        }

        var status = await reading.WaitAsync(giveUp);
        return (status, started.Elapsed);
    }

    private static async Task<int> ReadStatusUntilClosedAsync(SslStream stream)
    {
        var received = new StringBuilder();
        var buffer = new byte[4096];
        while (true)
        {
            int read;
            try
            {
                read = await stream.ReadAsync(buffer);
            }
            catch (IOException)
            {
                read = 0;
            }

            if (read == 0)
            {
                var text = received.ToString();
                return text.StartsWith("HTTP/1.1 ", StringComparison.Ordinal) ? int.Parse(text.AsSpan(9, 3), System.Globalization.CultureInfo.InvariantCulture) : 0;
            }

            if (received.Length < 64)
            {
                received.Append(Encoding.ASCII.GetString(buffer, 0, read));
            }
        }
    }

    private static string MarkdownOfLength(int length)
    {
        const string Line = "- step: read the design, write the code, run the tests <and> report \"done\".\n";
        var text = new StringBuilder(length + Line.Length);
        while (text.Length < length)
        {
            text.Append(Line);
        }

        return text.ToString(0, length);
    }

    /// <summary>A body whose length is not told up front, so HttpClient sends it chunked.</summary>
    private sealed class ChunkedContent(byte[] body) : HttpContent
    {
        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        {
            const int Chunk = 256 * 1024;
            for (var offset = 0; offset < body.Length; offset += Chunk)
            {
                await stream.WriteAsync(body.AsMemory(offset, Math.Min(Chunk, body.Length - offset)));
            }
        }

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }
    }
}
