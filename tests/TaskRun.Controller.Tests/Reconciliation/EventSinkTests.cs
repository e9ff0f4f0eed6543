using System.Collections.Concurrent;
using System.Net;
using System.Text;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using TaskRun.Controller.Reconciliation;
using TaskRun.Core.Api;
using Xunit;

namespace TaskRun.Controller.Tests.Reconciliation;

/// <summary>Events go through a bounded queue: a reconcile never waits for one, a full queue drops, a stop drains.</summary>
public sealed class EventSinkTests : IDisposable
{
    private readonly RecordingHandler api = new();
    private readonly Kubernetes client;

    public EventSinkTests() => client = new Kubernetes(new KubernetesClientConfiguration { Host = "http://127.0.0.1:1" }, api);

    [Fact]
    public async Task Recording_with_a_sink_sends_nothing_until_the_sink_runs_and_then_writes_the_Event()
    {
        var sink = new EventSink(client, NullLogger<EventSink>.Instance);
        var recorder = new EventRecorder(client, new FakeTimeProvider(), NullLogger<EventRecorder>.Instance) { Sink = sink };

        await recorder.RecordAsync(TaskRun("a"), EventRecorder.Normal, "RunStarted", "run 1 started (Job a-run-1)", CancellationToken.None);
        Assert.Empty(api.Requests);

        using var stop = new CancellationTokenSource();
        var running = sink.RunAsync(stop.Token);
        await WaitForAsync(() => api.Requests.Count == 1);
        await stop.CancelAsync();
        await running;

        var request = Assert.Single(api.Requests);
        Assert.Equal("POST /api/v1/namespaces/team-a/events", request.Line);
        Assert.Contains("\"reason\":\"RunStarted\"", request.Body, StringComparison.Ordinal);
        Assert.Contains("\"name\":\"a\"", request.Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_full_queue_drops_and_counts_instead_of_blocking()
    {
        var sink = new EventSink(client, NullLogger<EventSink>.Instance, capacity: 2);
        var recorder = new EventRecorder(client, new FakeTimeProvider(), NullLogger<EventRecorder>.Instance) { Sink = sink };

        for (var i = 0; i < 3; i++)
        {
            await recorder.RecordAsync(TaskRun($"t{i}"), EventRecorder.Normal, "RunStarted", "started", CancellationToken.None);
        }

        Assert.Equal(1, sink.Dropped);
        Assert.Empty(api.Requests);
    }

    [Fact]
    public async Task Stopping_writes_what_is_still_queued()
    {
        var sink = new EventSink(client, NullLogger<EventSink>.Instance);
        var recorder = new EventRecorder(client, new FakeTimeProvider(), NullLogger<EventRecorder>.Instance) { Sink = sink };
        foreach (var name in new[] { "x", "y", "z" })
        {
            await recorder.RecordAsync(TaskRun(name), EventRecorder.Warning, "RetryScheduled", "retry", CancellationToken.None);
        }

        await sink.RunAsync(new CancellationToken(canceled: true));

        Assert.Equal(3, api.Requests.Count);
        Assert.Equal(0, sink.Dropped);
    }

    [Fact]
    public async Task A_failed_Event_write_is_not_thrown_and_the_next_is_still_written()
    {
        api.FailFirst = true;
        var sink = new EventSink(client, NullLogger<EventSink>.Instance, writers: 1);
        var recorder = new EventRecorder(client, new FakeTimeProvider(), NullLogger<EventRecorder>.Instance) { Sink = sink };
        await recorder.RecordAsync(TaskRun("first"), EventRecorder.Normal, "RunStarted", "started", CancellationToken.None);
        await recorder.RecordAsync(TaskRun("second"), EventRecorder.Normal, "RunStarted", "started", CancellationToken.None);

        await sink.RunAsync(new CancellationToken(canceled: true));

        Assert.Equal(2, api.Requests.Count);
        Assert.Contains("\"name\":\"second\"", api.Requests.Last().Body, StringComparison.Ordinal);
    }

    public void Dispose() => client.Dispose();

    private static V2TaskRun TaskRun(string name) => new()
    {
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = "team-a", Uid = $"uid-{name}", ResourceVersion = "7" },
        Spec = new V2TaskRunSpec(),
    };

    private static async Task WaitForAsync(Func<bool> condition)
    {
        for (var i = 0; i < 500 && !condition(); i++)
        {
            await Task.Delay(10);
        }

        Assert.True(condition());
    }

    /// <summary>Answers every request itself (nothing reaches the network) and records it.</summary>
    private sealed class RecordingHandler : DelegatingHandler
    {
        public ConcurrentQueue<(string Line, string Body)> Requests { get; } = new();

        public bool FailFirst { get; set; }

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var body = request.Content is null ? "" : await request.Content.ReadAsStringAsync(cancellationToken);
            Requests.Enqueue(($"{request.Method} {request.RequestUri?.AbsolutePath}", body));
            var status = FailFirst && Requests.Count == 1 ? HttpStatusCode.InternalServerError : HttpStatusCode.Created;
            return new HttpResponseMessage(status) { Content = new StringContent(status == HttpStatusCode.Created ? body : "{}", Encoding.UTF8, "application/json") };
        }
    }
}
