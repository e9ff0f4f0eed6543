using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using TaskRun.Webhook.Tests.Support;
using TaskRun.Testing;
using Xunit;

namespace TaskRun.Webhook.Tests.Hosting;

/// <summary>The certificate files change under a running host: no request fails, new connections get the new certificate.</summary>
public sealed class CertificateRotationTests : IDisposable
{
    private readonly TempDirectory directory = new();
    private readonly TestCertificates ca = new();

    [Fact]
    public async Task Not_ready_and_no_handshake_without_a_certificate_then_ready_once_one_appears()
    {
        await using var webhook = await InProcessWebhook.StartAsync(directory.Path);
        using var plain = new HttpClient();

        using (var notReady = await plain.GetAsync(new Uri(webhook.HealthUri, "/readyz")))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, notReady.StatusCode);
            Assert.Contains("no serving certificate", await notReady.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        Assert.Equal("ok\n", await plain.GetStringAsync(new Uri(webhook.HealthUri, "/healthz")));
        using (var client = InProcessWebhook.CreateClient(ca.Ca))
        {
            await Assert.ThrowsAsync<HttpRequestException>(() => client.PostAsync(new Uri(webhook.TlsUri, "/mutate"), Json("{}")));
        }

        var certificate = ca.WriteServingPair(directory.Path);
        await Eventually.HoldsAsync(async () => (await plain.GetAsync(new Uri(webhook.HealthUri, "/readyz"))).StatusCode == HttpStatusCode.OK, "ready", TimeSpan.FromMinutes(1));

        using var ready = InProcessWebhook.CreateClient(ca.Ca);
        using var response = await ready.PostAsync(new Uri(webhook.TlsUri, "/mutate"), Json(Reviews.FixtureText("mutate-create-from-v1.json")));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains(certificate.SerialNumber, await plain.GetStringAsync(new Uri(webhook.HealthUri, "/readyz")), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Replacing_the_files_under_steady_load_fails_no_request_and_new_connections_get_the_new_certificate()
    {
        var first = ca.WriteServingPair(directory.Path);
        await using var webhook = await InProcessWebhook.StartAsync(directory.Path);
        var review = Reviews.FixtureText("validate-create-from-v1.json");
        var failures = new ConcurrentQueue<string>();
        var served = 0;
        using var stop = new CancellationTokenSource();

        // Four keep-alive clients and two that open a new connection for every request.
        var load = Enumerable.Range(0, 6).Select(i => Task.Run(async () =>
        {
            using var client = InProcessWebhook.CreateClient(ca.Ca, keepAlive: i < 4);
            while (!stop.IsCancellationRequested)
            {
                try
                {
                    using var response = await client.PostAsync(new Uri(webhook.TlsUri, "/validate"), Json(review));
                    var body = await response.Content.ReadAsStringAsync();
                    if (response.StatusCode != HttpStatusCode.OK || (string?)JsonNode.Parse(body)!["response"]!["uid"] != "21ca3864-2a9b-440e-85f3-32b8c219f3f8")
                    {
                        failures.Enqueue($"{(int)response.StatusCode}: {body}");
                    }

                    Interlocked.Increment(ref served);
                }
                catch (HttpRequestException e)
                {
                    failures.Enqueue(e.ToString());
                }
            }
        })).ToArray();

        await Eventually.HoldsAsync(() => Volatile.Read(ref served) > 50, "50 reviews served", TimeSpan.FromMinutes(1));
        var second = ca.WriteServingPair(directory.Path);
        string? newConnectionSerial = null;
        await Eventually.HoldsAsync(async () =>
        {
            newConnectionSerial = await SerialOfANewConnectionAsync(webhook);
            return newConnectionSerial == second.SerialNumber;
        }, "the new certificate on a new connection", TimeSpan.FromMinutes(1));
        var servedAtSwap = Volatile.Read(ref served);
        await Eventually.HoldsAsync(() => Volatile.Read(ref served) > servedAtSwap + 50, "50 more reviews served", TimeSpan.FromMinutes(1));
        await stop.CancelAsync();
        await Task.WhenAll(load);

        Assert.NotEqual(first.SerialNumber, second.SerialNumber);
        Assert.Equal(second.SerialNumber, newConnectionSerial);
        Assert.Empty(failures);
    }

    private async Task<string?> SerialOfANewConnectionAsync(InProcessWebhook webhook)
    {
        string? serial = null;
        using var client = InProcessWebhook.CreateClient(ca.Ca, certificate => serial = certificate.SerialNumber, keepAlive: false);
        using var response = await client.PostAsync(new Uri(webhook.TlsUri, "/mutate"), Json(Reviews.FixtureText("mutate-create-from-v1.json")));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return serial;
    }

    private static StringContent Json(string body) => new(body, Encoding.UTF8, new MediaTypeHeaderValue("application/json"));

    public void Dispose()
    {
        ca.Dispose();
        directory.Dispose();
    }
}
