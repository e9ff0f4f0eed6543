using System.Net.Http.Headers;
using System.Text;
using TaskRun.Testing;
using TaskRun.Webhook.Tests.Support;
using Xunit;

namespace TaskRun.Webhook.Tests.Observability;

/// <summary>The webhook exports its spans over OTLP/HTTP to a local receiver; probe and metrics requests make none.</summary>
// Not in parallel with each other: both listen to the webhook's process-wide ActivitySource.
[Collection("webhook spans")]
public sealed class TracingExportTests
{
    [Fact]
    public async Task Admission_spans_are_posted_to_v1_traces_with_the_webhooks_service_name_and_probes_make_no_spans()
    {
        using var directory = new TempDirectory();
        using var ca = new TestCertificates();
        ca.WriteServingPair(directory.Path);
        using var receiver = new OtlpReceiver();
        var webhook = await InProcessWebhook.StartAsync(directory.Path, [$"--Webhook:OtlpEndpoint={receiver.Endpoint}"]);
        try
        {
            using var http = new HttpClient();
            for (var i = 0; i < 3; i++)
            {
                await http.GetStringAsync(new Uri(webhook.HealthUri, "/healthz"));
                await http.GetStringAsync(new Uri(webhook.HealthUri, "/metrics"));
            }

            using var client = InProcessWebhook.CreateClient(ca.Ca);
            using var content = new StringContent(Reviews.FixtureText("mutate-create-from-v1.json"), Encoding.UTF8, new MediaTypeHeaderValue("application/json"));
            using var response = await client.PostAsync(new Uri(webhook.TlsUri, "/mutate"), content);
            Assert.True(response.IsSuccessStatusCode);
        }
        finally
        {
            // Stopping the host flushes the batch of spans.
            await webhook.DisposeAsync();
        }

        Assert.True(receiver.Received("/v1/traces", "service.name", "taskrun-webhook", "admission mutate"),
            $"no admission span at /v1/traces; requests: {string.Join(", ", receiver.Requests.Select(r => r.Path))}");
        Assert.All(receiver.Requests, r => Assert.Equal("/v1/traces", r.Path));
        Assert.False(receiver.ReceivedAnywhere("/healthz"));
        Assert.False(receiver.ReceivedAnywhere("/metrics"));
    }
}
