using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace TaskRun.Webhook.Tests.Support;

/// <summary>
/// HTTP/1.1 by hand over TLS, for requests HttpClient will not send as-is: a chunked body that keeps coming
/// after the server has answered (the write may then fail; the answer is still read).
/// </summary>
internal static class RawTls
{
    public static async Task<(int Status, string Body)> PostChunkedAsync(Uri baseUri, string path, X509Certificate2 ca, byte[] body)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(baseUri.Host, baseUri.Port);
        await using var tls = new SslStream(tcp.GetStream(), false, (_, certificate, _, _) =>
            certificate is not null && InProcessWebhook.ChainsTo(X509CertificateLoader.LoadCertificate(certificate.GetRawCertData()), ca));
        await tls.AuthenticateAsClientAsync("127.0.0.1");
        var head = $"POST {path} HTTP/1.1\r\nHost: {baseUri.Authority}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n";
        var reading = ReadResponseAsync(tls);
        try
        {
            await tls.WriteAsync(Encoding.ASCII.GetBytes(head));
            const int Chunk = 64 * 1024;
            for (var offset = 0; offset < body.Length && !reading.IsCompleted; offset += Chunk)
            {
                var length = Math.Min(Chunk, body.Length - offset);
                await tls.WriteAsync(Encoding.ASCII.GetBytes($"{length:x}\r\n"));
                await tls.WriteAsync(body.AsMemory(offset, length));
                await tls.WriteAsync("\r\n"u8.ToArray());
            }

            await tls.WriteAsync("0\r\n\r\n"u8.ToArray());
        }
        catch (IOException)
        {
            // The server answered and closed while we were still sending: expected for a refused body.
        }

        return await reading.WaitAsync(TimeSpan.FromSeconds(30));
    }

    private static async Task<(int, string)> ReadResponseAsync(SslStream tls)
    {
        var received = new MemoryStream();
        var buffer = new byte[8192];
        while (true)
        {
            int read;
            try
            {
                read = await tls.ReadAsync(buffer);
            }
            catch (IOException)
            {
                break;
            }

            if (read == 0)
            {
                break;
            }

            received.Write(buffer, 0, read);
            var text = Encoding.UTF8.GetString(received.ToArray());
            var headerEnd = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
            if (headerEnd > 0 && TryContentLength(text[..headerEnd], out var length) && Encoding.UTF8.GetByteCount(text[(headerEnd + 4)..]) >= length)
            {
                break;
            }
        }

        var response = Encoding.UTF8.GetString(received.ToArray());
        var status = int.Parse(response.Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture);
        var separator = response.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        return (status, separator < 0 ? "" : response[(separator + 4)..]);
    }

    private static bool TryContentLength(string headers, out int length)
    {
        length = 0;
        foreach (var line in headers.Split("\r\n"))
        {
            if (line.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase))
            {
                return int.TryParse(line["Content-Length:".Length..].Trim(), out length);
            }
        }

        // Chunked or close-delimited: read to the end.
        length = int.MaxValue;
        return false;
    }
}
