using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;
using TaskRun.Webhook.Tests.Support;
using Xunit;

namespace TaskRun.Webhook.Tests.Hosting;

/// <summary>Requests that are not usable reviews, sent straight to the real host over TLS: each gets a clear 4xx and the host keeps serving.</summary>
public sealed class MalformedRequestTests : IAsyncLifetime
{
    private ServedWebhook served = null!;

    public async Task InitializeAsync() => served = await ServedWebhook.StartAsync(["--Webhook:TlsHandshakeTimeout=00:00:02"]);

    public static TheoryData<string, string, string, HttpStatusCode, string> BadBodies => new()
    {
        { "truncated JSON", "/mutate", """{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"1","obj""", HttpStatusCode.BadRequest, "not a valid AdmissionReview" },
        { "not JSON at all", "/validate", "hello", HttpStatusCode.BadRequest, "not a valid AdmissionReview" },
        { "request is a string", "/mutate", """{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":"x"}""", HttpStatusCode.BadRequest, "$.request" },
        { "uid is a number", "/validate", """{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":5}}""", HttpStatusCode.BadRequest, "$.request.uid" },
        { "dryRun is a string", "/validate", """{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"u","dryRun":"yes"}}""", HttpStatusCode.BadRequest, "$.request.dryRun" },
        { "objects is not an array", "/convert", """{"apiVersion":"apiextensions.k8s.io/v1","kind":"ConversionReview","request":{"uid":"u","objects":{}}}""", HttpStatusCode.BadRequest, "$.request.objects" },
        { "a JSON array", "/mutate", "[]", HttpStatusCode.BadRequest, "not a valid AdmissionReview" },
        { "JSON null", "/mutate", "null", HttpStatusCode.BadRequest, "JSON null" },
        { "two values", "/mutate", """{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"u"}} {}""", HttpStatusCode.BadRequest, "not a valid AdmissionReview" },
        { "missing request", "/mutate", """{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview"}""", HttpStatusCode.BadRequest, "no request" },
        { "missing uid", "/validate", """{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"operation":"CREATE"}}""", HttpStatusCode.BadRequest, "no uid" },
        { "admission v1beta1", "/mutate", """{"apiVersion":"admission.k8s.io/v1beta1","kind":"AdmissionReview","request":{"uid":"u"}}""", HttpStatusCode.BadRequest, "admission.k8s.io/v1beta1" },
        { "unknown kind", "/validate", """{"apiVersion":"admission.k8s.io/v1","kind":"Pod","request":{"uid":"u"}}""", HttpStatusCode.BadRequest, "kind \"Pod\"" },
        { "a ConversionReview to /mutate", "/mutate", """{"apiVersion":"apiextensions.k8s.io/v1","kind":"ConversionReview","request":{"uid":"u"}}""", HttpStatusCode.BadRequest, "expected apiVersion admission.k8s.io/v1" },
        { "an AdmissionReview to /convert", "/convert", """{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"u"}}""", HttpStatusCode.BadRequest, "expected apiVersion apiextensions.k8s.io/v1" },
        { "conversion without uid", "/convert", """{"apiVersion":"apiextensions.k8s.io/v1","kind":"ConversionReview","request":{"objects":[]}}""", HttpStatusCode.BadRequest, "no uid" },
        { "too deep", "/mutate", new string('[', 200) + new string(']', 200), HttpStatusCode.BadRequest, "not a valid AdmissionReview" },
        { "empty body", "/mutate", "", HttpStatusCode.BadRequest, "empty" },
    };

    [Theory]
    [MemberData(nameof(BadBodies))]
    public async Task A_bad_body_gets_a_clear_4xx(string because, string path, string body, HttpStatusCode expected, string message)
    {
        using var response = await PostAsync(path, body);

        var text = await response.Content.ReadAsStringAsync();
        Assert.True(expected == response.StatusCode, $"{because}: {(int)response.StatusCode} {text}");
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        var error = JsonNode.Parse(text)!;
        Assert.Contains(message, (string?)error["error"], StringComparison.Ordinal);
        Assert.Equal((int)expected, (int?)error["code"]);
        await AssertStillServingAsync();
    }

    [Theory]
    [InlineData(null)]
    [InlineData("text/plain")]
    [InlineData("application/yaml")]
    [InlineData("application/json-patch+json")]
    public async Task A_wrong_content_type_gets_415(string? contentType)
    {
        using var content = new ByteArrayContent(Encoding.UTF8.GetBytes(Reviews.FixtureText("mutate-create-from-v1.json")));
        content.Headers.ContentType = contentType is null ? null : new MediaTypeHeaderValue(contentType);

        using var response = await served.Client.PostAsync(new Uri(served.Host.TlsUri, "/mutate"), content);

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
        await AssertStillServingAsync();
    }

    [Fact]
    public async Task Json_with_a_charset_is_accepted()
    {
        using var content = new StringContent(Reviews.FixtureText("mutate-create-from-v1.json"), Encoding.UTF8, "application/json");
        Assert.Equal("utf-8", content.Headers.ContentType!.CharSet);
        using var response = await served.Client.PostAsync(new Uri(served.Host.TlsUri, "/mutate"), content);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task A_10_MB_body_gets_413_whether_its_length_is_announced_or_not()
    {
        var big = new byte[10 * 1024 * 1024];
        Array.Fill(big, (byte)' ');

        // Announced: answered from the headers (with Expect: 100-continue the body is never sent).
        using (var announced = new ByteArrayContent(big))
        {
            announced.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(served.Host.TlsUri, "/mutate")) { Content = announced };
            request.Headers.ExpectContinue = true;
            using var response = await served.Client.SendAsync(request);
            Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
            Assert.Contains($"over the limit of {new TaskRun.Webhook.Hosting.WebhookOptions().MaxAdmissionBodyBytes:N0} bytes", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        // Chunked: found while reading; the answer may come while the client is still sending.
        var (status, body) = await RawTls.PostChunkedAsync(served.Host.TlsUri, "/validate", served.Certificates.Ca, big);
        Assert.Equal(413, status);
        Assert.Contains("over the limit", body, StringComparison.Ordinal);

        await AssertStillServingAsync();
    }

    [Fact]
    public async Task Unknown_paths_get_404_and_other_methods_405()
    {
        using var unknown = await PostAsync("/mutate-everything", "{}");
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Contains("/mutate, /validate, /validate-config, /convert", await unknown.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        using var healthOverTls = await served.Client.GetAsync(new Uri(served.Host.TlsUri, "/healthz"));
        Assert.Equal(HttpStatusCode.NotFound, healthOverTls.StatusCode);

        using var get = await served.Client.GetAsync(new Uri(served.Host.TlsUri, "/mutate"));
        Assert.Equal(HttpStatusCode.MethodNotAllowed, get.StatusCode);
        Assert.Equal("POST", get.Content.Headers.Allow.Single());
        await AssertStillServingAsync();
    }

    [Fact]
    public async Task Plain_http_to_the_tls_port_gets_400()
    {
        using var plain = new HttpClient();
        var uri = new UriBuilder(served.Host.TlsUri) { Scheme = "http", Path = "/mutate" }.Uri;
        using var content = new StringContent("{}", Encoding.UTF8, "application/json");

        using var response = await plain.PostAsync(uri, content);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("HTTPS only", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        await AssertStillServingAsync();
    }

    [Fact]
    public async Task A_connection_that_sends_nothing_or_garbage_is_closed()
    {
        using (var silent = new TcpClient())
        {
            await silent.ConnectAsync(IPAddress.Loopback, served.Host.TlsUri.Port);
            var read = await ReadToEndAsync(silent.GetStream()).WaitAsync(TimeSpan.FromSeconds(30));
            Assert.Equal(0, read);
        }

        using (var garbage = new TcpClient())
        {
            await garbage.ConnectAsync(IPAddress.Loopback, served.Host.TlsUri.Port);
            await garbage.GetStream().WriteAsync(new byte[] { 0x00, 0xff, 0x13, 0x37 });
            var read = await ReadToEndAsync(garbage.GetStream()).WaitAsync(TimeSpan.FromSeconds(30));
            Assert.Equal(0, read);
        }

        await AssertStillServingAsync();
    }

    [Fact]
    public async Task Health_and_metrics_are_plain_http_only()
    {
        using var plain = new HttpClient();
        Assert.Equal("ok\n", await plain.GetStringAsync(new Uri(served.Host.HealthUri, "/healthz")));
        using var ready = await plain.GetAsync(new Uri(served.Host.HealthUri, "/readyz"));
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        using var mutate = await plain.PostAsync(new Uri(served.Host.HealthUri, "/mutate"), new StringContent("{}", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.NotFound, mutate.StatusCode);

        using var admitted = await PostAsync("/mutate", Reviews.FixtureText("mutate-create-from-v1.json"));
        using var converted = await PostAsync("/convert", Reviews.FixtureText("conversion-v1-to-v2.json"));
        var metrics = await plain.GetStringAsync(new Uri(served.Host.HealthUri, "/metrics"));
        Assert.Contains("taskrun_webhook_requests_total{endpoint=\"mutate\",operation=\"CREATE\",result=\"patched\"}", metrics, StringComparison.Ordinal);
        Assert.Contains("taskrun_webhook_requests_total{endpoint=\"convert\",operation=\"to-v2\",result=\"converted\"}", metrics, StringComparison.Ordinal);
        Assert.Contains("taskrun_webhook_conversions_total{direction=\"v1-to-v2\",result=\"converted\"}", metrics, StringComparison.Ordinal);
        Assert.Contains("taskrun_webhook_request_duration_seconds_bucket{endpoint=\"mutate\"", metrics, StringComparison.Ordinal);
        Assert.Contains("taskrun_webhook_certificate_expiry_timestamp_seconds", metrics, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_conversion_that_fails_is_a_200_with_a_Failure_result_not_a_500()
    {
        var review = JsonNode.Parse(Reviews.FixtureText("conversion-v1-to-v2.json"))!;
        review["request"]!["objects"]![0]!["metadata"]!["annotations"]!["orchestrator.io/v2-spec"] = "{broken";

        using var response = await PostAsync("/convert", review.ToJsonString());

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var answer = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.Equal("b94fde3f-aa8d-4936-a0e0-7b6325af69e7", (string?)answer["response"]!["uid"]);
        Assert.Equal("Failure", (string?)answer["response"]!["result"]!["status"]);
        Assert.Contains("orchestrator.io/v2-spec", (string?)answer["response"]!["result"]!["message"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Http2_is_not_offered_so_clients_fall_back_to_http11()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(served.Host.TlsUri, "/mutate"))
        {
            Content = new StringContent(Reviews.FixtureText("mutate-create-from-v1.json"), Encoding.UTF8, "application/json"),
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionOrLower,
        };
        using var response = await served.Client.SendAsync(request);
        Assert.Equal(HttpVersion.Version11, response.Version);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    private async Task<HttpResponseMessage> PostAsync(string path, string body)
    {
        using var content = new StringContent(body, Encoding.UTF8, "application/json");
        return await served.Client.PostAsync(new Uri(served.Host.TlsUri, path), content);
    }

    private async Task AssertStillServingAsync()
    {
        using var fresh = InProcessWebhook.CreateClient(served.Certificates.Ca, keepAlive: false);
        using var content = new StringContent(Reviews.FixtureText("mutate-create-from-v1.json"), Encoding.UTF8, "application/json");
        using var response = await fresh.PostAsync(new Uri(served.Host.TlsUri, "/mutate"), content);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var answer = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.Equal("9da03626-76a0-48c7-9790-df78c65f588c", (string?)answer["response"]!["uid"]);
    }

    private static async Task<int> ReadToEndAsync(NetworkStream stream)
    {
        var total = 0;
        var buffer = new byte[1024];
        try
        {
            int read;
            while ((read = await stream.ReadAsync(buffer)) > 0)
            {
                total += read;
            }
        }
        catch (IOException)
        {
            // A reset is a close too.
        }

        return total;
    }

    public async Task DisposeAsync() => await served.DisposeAsync();
}
