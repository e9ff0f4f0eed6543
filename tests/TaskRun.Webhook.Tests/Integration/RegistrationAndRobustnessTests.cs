using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using TaskRun.Webhook.Tests.Support;
using Xunit;
using static TaskRun.Webhook.Tests.Integration.Manifests;

namespace TaskRun.Webhook.Tests.Integration;

[Collection(WebhookTests.Name)]
public sealed class RegistrationAndRobustnessTests(WebhookFixture fixture)
{
    [Fact]
    public async Task Registering_twice_is_harmless()
    {
        var again = await fixture.RegisterAsync();

        Assert.True(again.Succeeded, again.ToString());
        var mutating = JsonNode.Parse((await fixture.KubectlAsync("get", "mutatingwebhookconfiguration", "taskrun-webhook", "-o", "json")).StandardOutput)!;
        var validating = JsonNode.Parse((await fixture.KubectlAsync("get", "validatingwebhookconfiguration", "taskrun-webhook", "-o", "json")).StandardOutput)!;
        var webhook = Assert.Single(mutating["webhooks"]!.AsArray())!;
        Assert.Equal(["validate.taskrun.orchestrator.io", "config.taskrun.orchestrator.io"], validating["webhooks"]!.AsArray().Select(w => (string?)w!["name"]));
        Assert.Equal("Equivalent", (string?)webhook["matchPolicy"]);
        Assert.Equal("None", (string?)webhook["sideEffects"]);
        Assert.Equal("Fail", (string?)webhook["failurePolicy"]);
        Assert.Equal(["v1"], webhook["admissionReviewVersions"]!.AsArray().Select(v => (string?)v));
        Assert.Equal(["v2"], webhook["rules"]![0]!["apiVersions"]!.AsArray().Select(v => (string?)v));
        Assert.True((int?)webhook["timeoutSeconds"] <= 10);
        var conversion = JsonNode.Parse((await fixture.KubectlAsync("get", "crd", "taskruns.orchestrator.io", "-o", "json")).StandardOutput)!["spec"]!["conversion"]!;
        Assert.Equal("Webhook", (string?)conversion["strategy"]);
        Assert.Equal(new Uri(fixture.Webhook.TlsUri, "/convert").ToString(), (string?)conversion["webhook"]!["clientConfig"]!["url"]);
        Assert.Null(conversion["webhook"]!["clientConfig"]!["service"]);

        var ns = await fixture.Kubernetes.CreateNamespaceAsync("twice");
        var applied = await fixture.KubectlWithInputAsync(Sample("taskrun-v1.yaml"), "apply", "-n", ns, "-f", "-");
        Assert.True(applied.Succeeded, applied.ToString());
    }

    [Fact]
    public async Task Malformed_requests_sent_straight_to_the_registered_webhook_get_4xx_and_the_API_server_keeps_being_served()
    {
        using var client = InProcessWebhook.CreateClient(fixture.Ca.Ca);
        var review = Reviews.FixtureText("mutate-create-from-v1.json");
        (string Path, string? ContentType, string Body, HttpStatusCode Expected)[] requests =
        [
            ("/mutate", "application/json", review[..(review.Length / 2)], HttpStatusCode.BadRequest),
            ("/validate", "application/json", """{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":["x"]}}""", HttpStatusCode.BadRequest),
            ("/convert", "application/json", "", HttpStatusCode.BadRequest),
            ("/validate-config", "text/yaml", review, HttpStatusCode.UnsupportedMediaType),
            ("/mutate", "application/json", new string(' ', 7 * 1024 * 1024), HttpStatusCode.RequestEntityTooLarge),
        ];
        foreach (var (path, contentType, body, expected) in requests)
        {
            using var content = new StringContent(body, Encoding.UTF8);
            content.Headers.ContentType = contentType is null ? null : new System.Net.Http.Headers.MediaTypeHeaderValue(contentType);
            using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(fixture.Webhook.TlsUri, path)) { Content = content };
            request.Headers.ExpectContinue = true;
            using var response = await client.SendAsync(request);
            Assert.Equal(expected, response.StatusCode);
        }

        using var plain = new HttpClient();
        using var plainResponse = await plain.PostAsync(new UriBuilder(fixture.Webhook.TlsUri) { Scheme = "http", Path = "/mutate" }.Uri,
            new StringContent(review, Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, plainResponse.StatusCode);

        var ns = await fixture.Kubernetes.CreateNamespaceAsync("after-malformed");
        var applied = await fixture.KubectlWithInputAsync(Sample("taskrun-v1.yaml"), "apply", "-n", ns, "-f", "-");
        Assert.True(applied.Succeeded, applied.ToString());
        Assert.Equal("orchestrator.io/v1", (string?)(await fixture.GetAsync(V1Resource, ns, SampleName))["apiVersion"]);
    }
}
