using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using k8s;
using k8s.Autorest;
using TaskRun.Core.Api;
using TaskRun.Webhook.Tests.Support;
using TaskRun.Testing;
using Xunit;
using static TaskRun.Webhook.Tests.Integration.Manifests;

namespace TaskRun.Webhook.Tests.Integration;

/// <summary>
/// The serving certificate files are replaced (a new certificate from the same CA, as cert-manager renews)
/// while the API server sends a steady stream of admission and conversion requests: none fails, and new
/// connections get the new certificate.
/// </summary>
[Collection(WebhookTests.Name)]
public sealed class CertificateRotationThroughApiServerTests(WebhookFixture fixture)
{
    [Fact]
    public async Task Replacing_the_certificate_under_load_fails_no_request_and_new_connections_get_the_new_one()
    {
        var ns = await fixture.Kubernetes.CreateNamespaceAsync("rotation");
        var client = fixture.Kubernetes.Client;
        var failures = new ConcurrentQueue<string>();
        var admitted = 0;
        using var stop = new CancellationTokenSource();

        // Four writers: dry-run creates through v1 (conversion + mutate + validate) and v2 (mutate + validate).
        var load = Enumerable.Range(0, 4).Select(worker => Task.Run(async () =>
        {
            var version = worker % 2 == 0 ? "v1" : "v2";
            for (var i = 0; !stop.IsCancellationRequested; i++)
            {
                var taskRun = version == "v1" ? ValidV1(ns, $"w{worker}-{i}") : ValidV2(ns, $"w{worker}-{i}");
                try
                {
                    var created = (System.Text.Json.JsonElement)await client.CustomObjects.CreateNamespacedCustomObjectAsync(
                        taskRun, TaskRunApi.Group, version, ns, TaskRunApi.Plural, dryRun: "All");
                    if (created.GetProperty("metadata").GetProperty("labels").GetProperty("service").GetString() != "billing")
                    {
                        failures.Enqueue($"{version}: not defaulted: {created}");
                    }

                    Interlocked.Increment(ref admitted);
                }
                catch (HttpOperationException e)
                {
                    failures.Enqueue($"{version}: {e.Response.StatusCode} {e.Response.Content}");
                }
            }
        })).ToArray();

        await Eventually.HoldsAsync(() => Volatile.Read(ref admitted) >= 40, "40 admissions", TimeSpan.FromMinutes(2));
        var previous = await SerialOfANewConnectionAsync();
        var renewed = fixture.Ca.WriteServingPair(fixture.CertificateDirectory);
        await Eventually.HoldsAsync(async () => await SerialOfANewConnectionAsync() == renewed.SerialNumber, "the renewed certificate", TimeSpan.FromMinutes(2));
        var atSwap = Volatile.Read(ref admitted);
        await Eventually.HoldsAsync(() => Volatile.Read(ref admitted) >= atSwap + 40, "40 more admissions", TimeSpan.FromMinutes(2));
        await stop.CancelAsync();
        await Task.WhenAll(load);

        Assert.NotEqual(previous, renewed.SerialNumber);
        Assert.Empty(failures);
        // And the API server keeps working with the webhook on the new certificate (new connections included).
        var applied = await fixture.KubectlWithInputAsync(ValidV1(ns, "after-rotation").ToJsonString(), "apply", "-f", "-");
        Assert.True(applied.Succeeded, applied.ToString());
        Assert.Equal("billing", (string?)(await fixture.GetAsync(V2Resource, ns, "after-rotation"))["metadata"]!["labels"]!["service"]);
    }

    private async Task<string?> SerialOfANewConnectionAsync()
    {
        string? serial = null;
        using var http = InProcessWebhook.CreateClient(fixture.Ca.Ca, certificate => serial = certificate.SerialNumber, keepAlive: false);
        using var response = await http.PostAsync(new Uri(fixture.Webhook.TlsUri, "/mutate"),
            new StringContent(Reviews.FixtureText("mutate-create-from-v1.json"), System.Text.Encoding.UTF8, "application/json"));
        Assert.True(response.IsSuccessStatusCode);
        Assert.Equal("9da03626-76a0-48c7-9790-df78c65f588c", (string?)JsonNode.Parse(await response.Content.ReadAsStringAsync())!["response"]!["uid"]);
        return serial;
    }
}
