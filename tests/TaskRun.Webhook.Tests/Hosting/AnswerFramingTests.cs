using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using TaskRun.Webhook.Tests.Support;
using Xunit;

namespace TaskRun.Webhook.Tests.Hosting;

/// <summary>
/// A review's answer is built whole before it is sent: it goes out with its Content-Length, not in chunks, over the
/// real host and TLS, for each kind of answer (a patch, a verdict, a conversion answered from the body's bytes).
/// </summary>
public sealed class AnswerFramingTests : IAsyncLifetime
{
    private ServedWebhook served = null!;

    public async Task InitializeAsync() => served = await ServedWebhook.StartAsync();

    [Theory]
    [InlineData("/mutate", "mutate-create-from-v1.json", "AdmissionReview")]
    [InlineData("/validate", "validate-create-from-v1.json", "AdmissionReview")]
    [InlineData("/convert", "conversion-v1-to-v2.json", "ConversionReview")]
    [InlineData("/convert", "conversion-v2-to-v1.json", "ConversionReview")]
    public async Task An_answer_is_sent_with_its_length_and_not_chunked(string path, string fixture, string kind)
    {
        using var content = new StringContent(Reviews.FixtureText(fixture), Encoding.UTF8, "application/json");
        using var response = await served.Client.PostAsync(new Uri(served.Host.TlsUri, path), content);

        var body = await response.Content.ReadAsByteArrayAsync();
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.NotEqual(true, response.Headers.TransferEncodingChunked);
        Assert.Equal(body.Length, response.Content.Headers.ContentLength);
        Assert.Equal(kind, (string?)JsonNode.Parse(body)!["kind"]);
    }

    public async Task DisposeAsync() => await served.DisposeAsync();
}
