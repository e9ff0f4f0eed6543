using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Options;
using TaskRun.Webhook.Hosting;
using TaskRun.Webhook.Observability;

namespace TaskRun.Webhook.Tls;

/// <summary>
/// The serving certificate, read from <c>tls.crt</c>/<c>tls.key</c> (a cert-manager Secret's mount) and
/// re-read by polling: every <see cref="WebhookOptions.CertPollInterval"/> the files' bytes are compared with the
/// loaded ones, and a change is loaded and swapped in, so new TLS connections get the new certificate with no
/// restart while open ones keep theirs. A read that fails (files missing, half-written, a key that does not
/// match) keeps the last good pair and is retried at the next poll. Polling, not inotify: Kubernetes swaps
/// Secret mounts by symlink, which file watchers miss.
/// </summary>
internal sealed class CertificateReloader : BackgroundService
{
    private readonly WebhookOptions options;
    private readonly TimeProvider time;
    private readonly ILogger<CertificateReloader> logger;
    private readonly WebhookMetrics metrics;
    private readonly Lock reloadLock = new();
    private volatile LoadedCertificate? current;
    private byte[]? lastCertificateBytes;
    private byte[]? lastKeyBytes;
    private string? lastFailure;

    public CertificateReloader(IOptions<WebhookOptions> options, TimeProvider time, ILogger<CertificateReloader> logger, WebhookMetrics metrics)
    {
        ArgumentNullException.ThrowIfNull(options);
        this.options = options.Value;
        this.time = time;
        this.logger = logger;
        this.metrics = metrics;
    }

    /// <summary>The certificate new connections get; null until a pair was loaded.</summary>
    public X509Certificate2? Certificate => current?.Certificate;

    /// <summary>The TLS context for <see cref="Certificate"/>, built once per certificate (not per handshake).</summary>
    public SslStreamCertificateContext? Context => current?.Context;

    public bool HasCertificate => current is not null;

    /// <summary>Why the last read failed, if it did; cleared by a successful load.</summary>
    public string? LastFailure => lastFailure;

    public override Task StartAsync(CancellationToken cancellationToken)
    {
        // Load before Kestrel accepts connections, so the first handshake has a certificate when one exists.
        Reload();
        return base.StartAsync(cancellationToken);
    }

    /// <summary>Reads the files and swaps in a changed pair; returns true when a new certificate was loaded.</summary>
    public bool Reload()
    {
        lock (reloadLock)
        {
            byte[] certificateBytes;
            byte[] keyBytes;
            try
            {
                certificateBytes = File.ReadAllBytes(options.CertificatePath);
                keyBytes = File.ReadAllBytes(options.KeyPath);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                return Failed($"cannot read {options.CertificatePath} and {options.KeyPath}: {e.Message}");
            }

            if (current is not null && Same(certificateBytes, lastCertificateBytes) && Same(keyBytes, lastKeyBytes))
            {
                return false;
            }

            LoadedCertificate loaded;
            try
            {
                loaded = Load(certificateBytes, keyBytes);
            }
            catch (Exception e) when (e is CryptographicException or ArgumentException)
            {
                // Also what a half-rotated pair looks like (a new certificate with the old key): retried next poll.
                return Failed($"cannot load the certificate pair from {options.CertDirectory}: {e.Message}");
            }

            var previous = current;
            current = loaded;
            lastCertificateBytes = certificateBytes;
            lastKeyBytes = keyBytes;
            lastFailure = null;
            metrics.CertificateReloads.WithLabels("loaded").Inc();
            metrics.CertificateExpiry.Set(new DateTimeOffset(loaded.Certificate.NotAfter.ToUniversalTime()).ToUnixTimeSeconds());
            var certificate = loaded.Certificate;
            logger.LogInformation("Serving certificate {Action}: subject {Subject}, serial {Serial}, SHA-256 {Thumbprint}, valid until {NotAfter:o}",
                previous is null ? "loaded" : "reloaded", certificate.Subject, certificate.SerialNumber,
                certificate.GetCertHashString(HashAlgorithmName.SHA256), certificate.NotAfter.ToUniversalTime());
            if (certificate.NotAfter.ToUniversalTime() <= time.GetUtcNow().UtcDateTime)
            {
                logger.LogError("The serving certificate expired at {NotAfter:o}; the API server will refuse it until it is renewed",
                    certificate.NotAfter.ToUniversalTime());
            }

            // The previous certificate is not disposed: connections that were made with it may still use it.
            return true;
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.CertPollInterval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                Reload();
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down.
        }
    }

    private bool Failed(string reason)
    {
        metrics.CertificateReloads.WithLabels("failed").Inc();
        // Log a failure once until it changes, not at every poll.
        if (reason != lastFailure)
        {
            if (current is null)
            {
                logger.LogError("No serving certificate yet ({Reason}); /readyz fails and TLS handshakes are refused until one loads", reason);
            }
            else
            {
                logger.LogWarning("Keeping the current serving certificate (serial {Serial}): {Reason}", current.Certificate.SerialNumber, reason);
            }
        }

        lastFailure = reason;
        return false;
    }

    private static LoadedCertificate Load(byte[] certificateBytes, byte[] keyBytes)
    {
        var certificatePem = System.Text.Encoding.UTF8.GetString(certificateBytes);
        var keyPem = System.Text.Encoding.UTF8.GetString(keyBytes);
        // The first certificate is the leaf; the rest of tls.crt (cert-manager puts intermediates there) is its chain.
        using var ephemeral = X509Certificate2.CreateFromPem(certificatePem, keyPem);
        // Exported and re-imported once so the private key is usable by SslStream on every platform.
        var leaf = X509CertificateLoader.LoadPkcs12(ephemeral.Export(X509ContentType.Pkcs12), null);
        var chain = new X509Certificate2Collection();
        chain.ImportFromPem(certificatePem);
        var intermediates = new X509Certificate2Collection();
        foreach (var certificate in chain)
        {
            if (certificate.Thumbprint != leaf.Thumbprint)
            {
                intermediates.Add(certificate);
            }
        }

        var context = SslStreamCertificateContext.Create(leaf, intermediates, offline: true);
        return new LoadedCertificate(leaf, context);
    }

    private static bool Same(byte[] a, byte[]? b) => b is not null && a.AsSpan().SequenceEqual(b);

    private sealed record LoadedCertificate(X509Certificate2 Certificate, SslStreamCertificateContext Context);
}
