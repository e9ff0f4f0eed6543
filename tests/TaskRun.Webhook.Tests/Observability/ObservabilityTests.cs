using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Serilog.Core;
using Serilog.Events;
using TaskRun.Webhook.Observability;
using TaskRun.Webhook.Tests.Support;
using TaskRun.Testing;
using Xunit;

namespace TaskRun.Webhook.Tests.Observability;

/// <summary>What the webhook tells its operators about each review: a log line, a span, and metrics.</summary>
// Not in parallel with each other: both listen to the webhook's process-wide ActivitySource.
[Collection("webhook spans")]
public sealed class ObservabilityTests : IAsyncLifetime, IDisposable
{
    private readonly TempDirectory directory = new();
    private readonly TestCertificates ca = new();
    private readonly CapturingSink logs = new();
    private readonly ConcurrentQueue<Activity> spans = new();
    private readonly ActivityListener listener;
    private InProcessWebhook webhook = null!;

    public ObservabilityTests()
    {
        listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == WebhookTelemetry.SourceName,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = spans.Enqueue,
        };
        ActivitySource.AddActivityListener(listener);
    }

    public async Task InitializeAsync()
    {
        ca.WriteServingPair(directory.Path);
        webhook = await InProcessWebhook.StartAsync(directory.Path, ["--Serilog:MinimumLevel:Default=Debug"],
            builder => builder.Services.AddSingleton<ILogEventSink>(logs));
    }

    [Fact]
    public async Task Each_admission_is_logged_with_uid_kind_namespace_name_and_decision_and_traced()
    {
        // Fresh uids: spans from every in-process webhook of this test run reach the listener.
        var (mutateUid, validateUid) = (Guid.NewGuid().ToString(), Guid.NewGuid().ToString());
        await PostAsync("/mutate", WithUid("mutate-create-from-v1.json", mutateUid));
        await PostAsync("/validate", WithUid("validate-create-from-v1.json", validateUid));
        // The line is written after the response is flushed: wait for it rather than race it.
        await LoggedAsync(e => Property(e, "Uid") == mutateUid);
        await LoggedAsync(e => Property(e, "Uid") == validateUid);

        var mutated = Assert.Single(logs.Events, e => Property(e, "Uid") == mutateUid);
        // The steady state (allowed, patched) is logged at Debug, a denial at Information.
        Assert.Equal(LogEventLevel.Debug, mutated.Level);
        Assert.Equal("mutate", Property(mutated, "Endpoint"));
        Assert.Equal("CREATE", Property(mutated, "Operation"));
        Assert.Equal("orchestrator.io/v1/TaskRun", Property(mutated, "Kind"));
        Assert.Equal("default", Property(mutated, "Namespace"));
        Assert.Equal("cap1", Property(mutated, "Name"));
        Assert.Equal("patched", Property(mutated, "Decision"));

        var denied = Assert.Single(logs.Events, e => Property(e, "Uid") == validateUid);
        Assert.Equal("denied", Property(denied, "Decision"));
        Assert.Equal(LogEventLevel.Information, denied.Level);
        Assert.Contains("spec.serviceName", Property(denied, "Reason"), StringComparison.Ordinal);

        // The span ends when the request's handling returns, just after the log line: wait for it too.
        await StoppedAsync(mutateUid);
        var span = Assert.Single(spans, s => (string?)s.GetTagItem("k8s.admission.uid") == mutateUid);
        Assert.Equal("admission mutate", span.DisplayName);
        Assert.Equal(ActivityKind.Server, span.Kind);
        Assert.Equal("patched", span.GetTagItem("webhook.result"));
        Assert.Equal("cap1", span.GetTagItem("k8s.object.name"));
    }

    [Fact]
    public async Task Conversions_are_traced_and_a_bad_request_is_logged_as_a_warning()
    {
        var uid = Guid.NewGuid().ToString();
        await PostAsync("/convert", WithUid("conversion-v1-to-v2.json", uid));
        using var bad = await PostAsync("/validate", "{");
        await LoggedAsync(e => Property(e, "StatusCode") == "400");
        await StoppedAsync(uid);

        var span = Assert.Single(spans, s => (string?)s.GetTagItem("k8s.admission.uid") == uid);
        Assert.Equal("conversion", span.DisplayName);
        Assert.Equal("converted", span.GetTagItem("webhook.result"));
        var warning = Assert.Single(logs.Events, e => Property(e, "StatusCode") == "400");
        Assert.Equal(LogEventLevel.Warning, warning.Level);
    }

    [Fact]
    public async Task Metrics_after_every_kind_of_request_pass_promtool_check()
    {
        await PostAsync("/mutate", WithUid("mutate-create-from-v1.json", Guid.NewGuid().ToString()));
        await PostAsync("/validate", WithUid("validate-create-from-v1.json", Guid.NewGuid().ToString()));
        await PostAsync("/convert", WithUid("conversion-v1-to-v2.json", Guid.NewGuid().ToString()));
        using var bad = await PostAsync("/validate", "{");
        using var http = new HttpClient();

        var text = await http.GetStringAsync(new Uri(webhook.HealthUri, "/metrics"));
        var check = await TaskRun.Testing.Promtool.CheckMetricsAsync(text);

        Assert.True(check.Succeeded && check.StandardError.Trim().Length == 0, check.ToString());
        Assert.Contains("taskrun_webhook_requests_total{endpoint=\"mutate\"", text, StringComparison.Ordinal);
    }

    private Task StoppedAsync(string uid) =>
        Eventually.HoldsAsync(() => spans.Any(s => (string?)s.GetTagItem("k8s.admission.uid") == uid), "the span of review " + uid);

    private Task LoggedAsync(Func<LogEvent, bool> predicate) => Eventually.HoldsAsync(() => logs.Events.Any(predicate), "the log line");

    private async Task<HttpResponseMessage> PostAsync(string path, string body)
    {
        using var client = InProcessWebhook.CreateClient(ca.Ca);
        using var content = new StringContent(body, Encoding.UTF8, new MediaTypeHeaderValue("application/json"));
        return await client.PostAsync(new Uri(webhook.TlsUri, path), content);
    }

    private static string WithUid(string fixture, string uid)
    {
        var review = System.Text.Json.Nodes.JsonNode.Parse(Reviews.FixtureText(fixture))!;
        review["request"]!["uid"] = uid;
        return review.ToJsonString();
    }

    private static string? Property(LogEvent logEvent, string name) =>
        logEvent.Properties.TryGetValue(name, out var value) ? (value as ScalarValue)?.Value?.ToString() : null;

    public async Task DisposeAsync() => await webhook.DisposeAsync();

    public void Dispose()
    {
        listener.Dispose();
        ca.Dispose();
        directory.Dispose();
    }

    private sealed class CapturingSink : ILogEventSink
    {
        private readonly ConcurrentQueue<LogEvent> events = new();

        public List<LogEvent> Events => [.. events];

        public void Emit(LogEvent logEvent) => events.Enqueue(logEvent);
    }
}
