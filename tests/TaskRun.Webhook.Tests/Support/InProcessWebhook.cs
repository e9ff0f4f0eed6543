using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using TaskRun.Webhook.Hosting;

namespace TaskRun.Webhook.Tests.Support;

/// <summary>
/// The real webhook host (the same wiring as Program.cs) on free loopback ports: HTTPS with a test CA's
/// certificate from a directory, plain HTTP for health and metrics.
/// </summary>
internal sealed class InProcessWebhook : IAsyncDisposable
{
    private InProcessWebhook(WebApplication app, Uri tls, Uri health)
    {
        App = app;
        TlsUri = tls;
        HealthUri = health;
    }

    public WebApplication App { get; }

    public Uri TlsUri { get; }

    public Uri HealthUri { get; }

    public IServiceProvider Services => App.Services;

    public static async Task<InProcessWebhook> StartAsync(string certDirectory, IEnumerable<string>? settings = null, Action<WebApplicationBuilder>? configure = null)
    {
        string[] args =
        [
            "--Webhook:TlsPort=0",
            "--Webhook:HealthPort=0",
            "--Webhook:BindAddress=127.0.0.1",
            $"--Webhook:CertDirectory={certDirectory}",
            "--Webhook:CertPollInterval=00:00:00.200",
            "--Webhook:WatchConfig=false",
            "--Serilog:MinimumLevel:Default=Warning",
            .. settings ?? [],
        ];
        var app = WebhookHost.Build(args, configure);
        await app.StartAsync();
        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses;
        var tls = new Uri(addresses.Single(a => a.StartsWith("https://", StringComparison.Ordinal)));
        var health = new Uri(addresses.Single(a => a.StartsWith("http://", StringComparison.Ordinal)));
        return new InProcessWebhook(app, tls, health);
    }

    /// <summary>A client trusting only <paramref name="ca"/>; <paramref name="onCertificate"/> sees each server certificate.</summary>
    public static HttpClient CreateClient(X509Certificate2 ca, Action<X509Certificate2>? onCertificate = null, bool keepAlive = true)
    {
        var handler = new SocketsHttpHandler
        {
            PooledConnectionLifetime = keepAlive ? Timeout.InfiniteTimeSpan : TimeSpan.Zero,
            SslOptions = new SslClientAuthenticationOptions
            {
                RemoteCertificateValidationCallback = (_, certificate, _, errors) =>
                {
                    if (certificate is null)
                    {
                        return false;
                    }

                    var server = X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
                    onCertificate?.Invoke(server);
                    return ChainsTo(server, ca) && (errors & SslPolicyErrors.RemoteCertificateNameMismatch) == 0;
                },
            },
        };
        return new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(30) };
    }

    public static bool ChainsTo(X509Certificate2 certificate, X509Certificate2 ca)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(ca);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return chain.Build(certificate);
    }

    public async ValueTask DisposeAsync()
    {
        await App.StopAsync();
        await App.DisposeAsync();
    }
}
