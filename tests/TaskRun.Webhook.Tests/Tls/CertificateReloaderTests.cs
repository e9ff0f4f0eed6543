using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using TaskRun.Webhook.Hosting;
using TaskRun.Webhook.Observability;
using TaskRun.Webhook.Tests.Support;
using TaskRun.Webhook.Tls;
using TaskRun.Testing;
using Xunit;

namespace TaskRun.Webhook.Tests.Tls;

public sealed class CertificateReloaderTests : IDisposable
{
    private readonly TempDirectory directory = new();
    private readonly TestCertificates ca = new();
    private readonly FakeTimeProvider time = new(DateTimeOffset.UtcNow);
    private readonly WebhookMetrics metrics = new();

    private CertificateReloader NewReloader() => new(
        Options.Create(new WebhookOptions { CertDirectory = directory.Path, CertPollInterval = TimeSpan.FromSeconds(5) }),
        time, NullLogger<CertificateReloader>.Instance, metrics);

    [Fact]
    public void Without_files_there_is_no_certificate_and_the_reason_is_kept()
    {
        var reloader = NewReloader();

        Assert.False(reloader.Reload());

        Assert.False(reloader.HasCertificate);
        Assert.Null(reloader.Context);
        Assert.Contains("tls.crt", reloader.LastFailure, StringComparison.Ordinal);
        Assert.Equal(1, metrics.CertificateReloads.WithLabels("failed").Value);
    }

    [Fact]
    public void Loads_a_pair_and_reloads_only_when_the_bytes_change()
    {
        var reloader = NewReloader();
        var first = ca.WriteServingPair(directory.Path);

        Assert.True(reloader.Reload());
        Assert.Equal(first.SerialNumber, reloader.Certificate!.SerialNumber);
        Assert.True(reloader.Certificate.HasPrivateKey);
        Assert.NotNull(reloader.Context);

        Assert.False(reloader.Reload());
        File.SetLastWriteTimeUtc(Path.Combine(directory.Path, "tls.crt"), DateTime.UtcNow.AddMinutes(1));
        Assert.False(reloader.Reload());

        var second = ca.WriteServingPair(directory.Path);
        Assert.True(reloader.Reload());
        Assert.Equal(second.SerialNumber, reloader.Certificate!.SerialNumber);
        Assert.Equal(2, metrics.CertificateReloads.WithLabels("loaded").Value);
        Assert.Equal(new DateTimeOffset(second.NotAfter.ToUniversalTime()).ToUnixTimeSeconds(), metrics.CertificateExpiry.Value);
    }

    [Fact]
    public void A_half_rotated_pair_keeps_the_last_good_certificate_until_both_files_match()
    {
        var reloader = NewReloader();
        var good = ca.WriteServingPair(directory.Path);
        reloader.Reload();

        // The new certificate is there, its key not yet: a mismatched pair.
        var (nextCertificate, nextKey, next) = ca.Issue();
        TestCertificates.WriteAtomically(Path.Combine(directory.Path, "tls.crt"), nextCertificate);
        Assert.False(reloader.Reload());
        Assert.Equal(good.SerialNumber, reloader.Certificate!.SerialNumber);
        Assert.NotNull(reloader.LastFailure);

        TestCertificates.WriteAtomically(Path.Combine(directory.Path, "tls.key"), nextKey);
        Assert.True(reloader.Reload());
        Assert.Equal(next.SerialNumber, reloader.Certificate!.SerialNumber);
        Assert.Null(reloader.LastFailure);
    }

    [Theory]
    [InlineData("garbage", "garbage")]
    [InlineData("", "")]
    [InlineData("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n", "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n")]
    public void Unreadable_files_keep_the_last_good_certificate(string certificate, string key)
    {
        var reloader = NewReloader();
        var good = ca.WriteServingPair(directory.Path);
        reloader.Reload();

        File.WriteAllText(Path.Combine(directory.Path, "tls.crt"), certificate);
        File.WriteAllText(Path.Combine(directory.Path, "tls.key"), key);

        Assert.False(reloader.Reload());
        Assert.Equal(good.SerialNumber, reloader.Certificate!.SerialNumber);
    }

    [Fact]
    public void Deleted_files_keep_the_last_good_certificate()
    {
        var reloader = NewReloader();
        var good = ca.WriteServingPair(directory.Path);
        reloader.Reload();
        File.Delete(Path.Combine(directory.Path, "tls.crt"));

        Assert.False(reloader.Reload());
        Assert.Equal(good.SerialNumber, reloader.Certificate!.SerialNumber);
    }

    [Fact]
    public void A_chain_in_tls_crt_serves_the_leaf()
    {
        var reloader = NewReloader();
        var (certificatePem, keyPem, leaf) = ca.Issue();
        File.WriteAllText(Path.Combine(directory.Path, "tls.key"), keyPem);
        File.WriteAllText(Path.Combine(directory.Path, "tls.crt"), certificatePem + "\n" + ca.CaPem + "\n");

        Assert.True(reloader.Reload(), reloader.LastFailure);
        Assert.Equal(leaf.SerialNumber, reloader.Certificate!.SerialNumber);
    }

    [Fact]
    public async Task Polls_on_the_injected_clock()
    {
        var reloader = NewReloader();
        await reloader.StartAsync(CancellationToken.None);
        try
        {
            Assert.False(reloader.HasCertificate);
            var written = ca.WriteServingPair(directory.Path);

            // The poll loop starts on its own thread, so keep the fake clock moving until it has ticked.
            await Eventually.HoldsAsync(() =>
            {
                time.Advance(TimeSpan.FromSeconds(5));
                return reloader.HasCertificate;
            }, "the certificate loaded", interval: TimeSpan.FromMilliseconds(10));
            Assert.Equal(written.SerialNumber, reloader.Certificate!.SerialNumber);
        }
        finally
        {
            await reloader.StopAsync(CancellationToken.None);
        }
    }

    public void Dispose()
    {
        ca.Dispose();
        directory.Dispose();
    }
}
