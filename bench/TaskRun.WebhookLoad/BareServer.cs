using System.Net;
using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using TaskRun.Webhook.Hosting;

namespace TaskRun.WebhookLoad;

/// <summary>
/// The ceiling: Kestrel with the webhook's TLS settings (TLS 1.2+, HTTP/1.1, the same certificate) that reads
/// the whole body and answers a fixed AdmissionReview. Whatever the webhook does beyond this costs throughput.
/// On <c>/echo</c> it answers the body back instead: the ceiling of an endpoint whose answer is as long as its
/// request, as /convert's is (the converted objects). On <c>/read</c> it reads the body as the webhook does, passes
/// once over it with <see cref="Utf8JsonReader"/> (every token, nothing kept) and answers the fixed review: the floor of
/// any endpoint that must at least read its review as JSON once.
/// </summary>
internal static class BareServer
{
    private const int MaxBodyBytes = 64 * 1024 * 1024;

    public static readonly byte[] FixedResponse =
        """{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","response":{"uid":"00000000-0000-0000-0000-000000000000","allowed":true}}"""u8.ToArray();

    public static async Task<int> RunAsync(Arguments arguments)
    {
        var port = int.Parse(arguments.Required("port"), System.Globalization.CultureInfo.InvariantCulture);
        var certDir = arguments.Required("cert-dir");
        var certificate = X509CertificateLoader.LoadPkcs12(
            X509Certificate2.CreateFromPemFile(Path.Combine(certDir, "tls.crt"), Path.Combine(certDir, "tls.key")).Export(X509ContentType.Pkcs12), null);
        var context = SslStreamCertificateContext.Create(certificate, null, offline: true);

        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = MaxBodyBytes;
            kestrel.Listen(IPAddress.Loopback, port, listen =>
            {
                listen.Protocols = HttpProtocols.Http1;
                listen.UseHttps(new Microsoft.AspNetCore.Server.Kestrel.Https.TlsHandshakeCallbackOptions
                {
                    OnConnection = _ => ValueTask.FromResult(new SslServerAuthenticationOptions
                    {
                        ServerCertificateContext = context,
                        EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
                        ApplicationProtocols = [SslApplicationProtocol.Http11],
                    }),
                });
            });
        });
        var app = builder.Build();
        app.Run(async http =>
        {
            if (http.Request.Path == "/echo")
            {
                await EchoAsync(http);
                return;
            }

            if (http.Request.Path == "/read")
            {
                await ReadOnceAsync(http);
                return;
            }

            // Read the whole body, as the webhook must.
            while (true)
            {
                var read = await http.Request.BodyReader.ReadAsync();
                http.Request.BodyReader.AdvanceTo(read.Buffer.End);
                if (read.IsCompleted)
                {
                    break;
                }
            }

            await AnswerFixedAsync(http);
        });
        await Console.Out.WriteLineAsync($"bare TLS endpoint on https://127.0.0.1:{port}");
        await app.RunAsync();
        return 0;
    }

    /// <summary>The body read as the webhook reads it, every JSON token read once, the fixed review answered (a body that is not JSON gets 400).</summary>
    private static async Task ReadOnceAsync(HttpContext http)
    {
        using (var body = await ReviewBodyReader.ReadAsync(http.Request.BodyReader, http.Request.ContentLength, MaxBodyBytes, http.RequestAborted))
        {
            if (!ReadsAsJson(body.Memory.Span))
            {
                http.Response.StatusCode = StatusCodes.Status400BadRequest;
                return;
            }
        }

        await AnswerFixedAsync(http);
    }

    private static async Task AnswerFixedAsync(HttpContext http)
    {
        http.Response.ContentType = "application/json";
        http.Response.ContentLength = FixedResponse.Length;
        await http.Response.Body.WriteAsync(FixedResponse);
    }

    private static bool ReadsAsJson(ReadOnlySpan<byte> json)
    {
        try
        {
            var reader = new Utf8JsonReader(json);
            while (reader.Read())
            {
            }

            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    /// <summary>The body read as the webhook reads it (<see cref="ReviewBodyReader"/>) and sent back whole with its length, as the webhook answers.</summary>
    private static async Task EchoAsync(HttpContext http)
    {
        using var body = await ReviewBodyReader.ReadAsync(http.Request.BodyReader, http.Request.ContentLength, MaxBodyBytes, http.RequestAborted);
        http.Response.ContentType = "application/json";
        http.Response.ContentLength = body.Memory.Length;
        await http.Response.Body.WriteAsync(body.Memory);
    }
}
