using System.Collections.Concurrent;
using System.Net;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using TaskRun.Runtime.Tests.Fakes;
using Xunit;
using static TaskRun.Runtime.Tests.Fakes.ScriptedResourceClient;

namespace TaskRun.Runtime.Tests;

/// <summary>The informer's list+watch rules on a scripted client and a fake clock: no API server, no real waiting.</summary>
public sealed class InformerTests
{
    private static readonly InformerOptions Options = new()
    {
        WatchTimeoutSeconds = 60,
        IdleGrace = TimeSpan.FromSeconds(5),
        RetryBaseDelay = TimeSpan.FromSeconds(1),
        RetryMaxDelay = TimeSpan.FromSeconds(8),
    };

    private static readonly KubernetesException GoneEvent = new(new V1Status { Code = 410, Reason = "Expired", Message = "too old resource version" });

    private readonly FakeTimeProvider time = new();

    [Fact]
    public async Task The_first_list_fills_the_cache_reports_each_object_as_added_and_syncs()
    {
        var client = new ScriptedResourceClient().List("10", Object("a", "1"), Object("b", "2"));
        await using var run = Start(client);

        await run.Informer.Synced.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(2, run.Informer.Cache.Count);
        Assert.Equal(["+a@1", "+b@2"], run.Changes);
        Assert.Equal(["10"], run.Listed);
    }

    [Fact]
    public async Task Watch_events_add_update_and_delete_in_the_cache_and_an_older_version_is_ignored()
    {
        var client = new ScriptedResourceClient()
            .List("10", Object("a", "1"))
            .Watch(
                (WatchEventType.Added, Object("b", "11")),
                (WatchEventType.Modified, Object("a", "12")),
                (WatchEventType.Modified, Object("a", "5")),
                (WatchEventType.Deleted, Object("b", "13")));
        await using var run = Start(client);

        await Eventually.TrueAsync(() => client.WatchCalls.Count == 2, "the watch to be reopened");

        Assert.Equal(["+a@1", "+b@11", "a@1>a@12", "-b@11"], run.Changes);
        Assert.Equal("12", run.Informer.Cache.Get(new ObjectKey("ns", "a"))!.Metadata.ResourceVersion);
        Assert.Null(run.Informer.Cache.Get(new ObjectKey("ns", "b")));
    }

    [Fact]
    public async Task A_stream_that_ends_is_watched_again_from_the_last_resourceVersion_without_a_relist()
    {
        var client = new ScriptedResourceClient()
            .List("10")
            .Watch((WatchEventType.Bookmark, Bookmark("15")))
            .Watch((WatchEventType.Modified, Object("a", "16")));
        await using var run = Start(client);

        await Eventually.TrueAsync(() => client.WatchCalls.Count == 3, "the third watch");

        Assert.Equal(["10", "15", "16"], client.WatchCalls.Select(c => c.ResourceVersion));
        Assert.All(client.WatchCalls, c => Assert.Equal(60, c.TimeoutSeconds));
        Assert.Equal(1, client.ListCalls);
        Assert.Equal(["+a@16"], run.Changes);
    }

    [Fact]
    public async Task Gone_inside_the_stream_relists_and_reports_what_changed_or_went_away_meanwhile()
    {
        var client = new ScriptedResourceClient()
            .List("10", Object("a", "1"), Object("b", "2"))
            .WatchThenError(GoneEvent)
            .List("20", Object("a", "3"), Object("c", "4"));
        await using var run = Start(client);

        await Eventually.TrueAsync(() => client.WatchCalls.Count == 2, "the watch after the re-list");

        Assert.Equal(1, run.Expired);
        Assert.Equal(["10", "20"], run.Listed);
        Assert.Equal(["10", "20"], client.WatchCalls.Select(c => c.ResourceVersion));
        Assert.Equal(["+a@1", "+b@2", "a@1>a@3", "+c@4", "-b@2"], run.Changes);
        Assert.Empty(run.Failures);
    }

    [Fact]
    public async Task Gone_as_the_answer_to_the_watch_request_relists()
    {
        var gone = new HttpOperationException("Gone") { Response = new HttpResponseMessageWrapper(new HttpResponseMessage(HttpStatusCode.Gone), "") };
        var client = new ScriptedResourceClient().List("10").WatchFails(gone).List("20");
        await using var run = Start(client);

        await Eventually.TrueAsync(() => client.WatchCalls.Count == 2, "the watch after the re-list");

        Assert.Equal(2, client.ListCalls);
        Assert.Equal(1, run.Expired);
        Assert.Equal("20", client.WatchCalls[1].ResourceVersion);
    }

    [Fact]
    public async Task Another_error_inside_the_stream_is_reported_and_relists_at_once()
    {
        var client = new ScriptedResourceClient().List("10").WatchThenError(new System.Text.Json.JsonException("bad line")).List("20");
        await using var run = Start(client);

        await Eventually.TrueAsync(() => client.WatchCalls.Count == 2, "the watch after the re-list");

        var (error, retryIn) = Assert.Single(run.Failures);
        Assert.IsType<System.Text.Json.JsonException>(error);
        Assert.Equal(TimeSpan.Zero, retryIn);
        Assert.Equal(0, run.Expired);
        Assert.Equal(2, client.ListCalls);
    }

    [Fact]
    public async Task A_silent_watch_is_given_up_after_its_timeout_plus_grace_and_reopened_from_the_same_resourceVersion()
    {
        var client = new ScriptedResourceClient().List("10").WatchHangs();
        await using var run = Start(client);
        await Eventually.TrueAsync(() => client.WatchCalls.Count == 1, "the first watch");

        time.Advance(TimeSpan.FromSeconds(64));
        Assert.Empty(run.Failures);
        time.Advance(TimeSpan.FromSeconds(1));
        await Eventually.TrueAsync(() => client.WatchCalls.Count == 2, "the watch to be reopened");

        Assert.IsType<TimeoutException>(Assert.Single(run.Failures).Error);
        Assert.Equal(["10", "10"], client.WatchCalls.Select(c => c.ResourceVersion));
        Assert.Equal(1, client.ListCalls);
    }

    [Fact]
    public async Task Failures_back_off_exponentially_with_jitter_and_the_backoff_starts_again_after_a_success()
    {
        var refused = new HttpRequestException("connection refused");
        var client = new ScriptedResourceClient()
            .ListFails(refused).ListFails(refused).ListFails(refused).ListFails(refused).ListFails(refused)
            .List("10")
            .WatchFails(new IOException("connection reset"));
        await using var run = Start(client);

        for (var i = 0; i < 5; i++)
        {
            await Eventually.TrueAsync(() => run.Failures.Count == i + 1, $"failure {i + 1}");
            var step = Math.Min(8, Math.Pow(2, i));
            var delay = run.Failures[i].RetryIn;
            Assert.InRange(delay.TotalSeconds, step / 2, step);
            time.Advance(delay - TimeSpan.FromMilliseconds(1));
            Assert.Equal(i + 1, client.ListCalls);
            time.Advance(TimeSpan.FromMilliseconds(1));
        }

        await run.Informer.Synced.WaitAsync(TimeSpan.FromSeconds(10));
        await Eventually.TrueAsync(() => run.Failures.Count == 6, "the broken watch");
        Assert.IsType<IOException>(run.Failures[5].Error);
        Assert.InRange(run.Failures[5].RetryIn.TotalSeconds, 0.5, 1);
        time.Advance(run.Failures[5].RetryIn);
        await Eventually.TrueAsync(() => client.WatchCalls.Count == 2, "the watch to be reopened");
        Assert.Equal("10", client.WatchCalls[1].ResourceVersion);
        Assert.Equal(6, client.ListCalls);
    }

    [Fact]
    public void Stored_writes_are_slimmed_and_an_older_version_does_not_replace_a_newer_one()
    {
        var client = new ScriptedResourceClient().List("10");
        var informer = new Informer<V1ConfigMap>(client, Options, time, new Random(1), NullLogger.Instance, WithoutData);

        Assert.True(informer.Store(Object("a", "5", value: "big")));
        Assert.False(informer.Store(Object("a", "4", value: "older")));

        var cached = informer.Cache.Get(new ObjectKey("ns", "a"))!;
        Assert.Equal("5", cached.Metadata.ResourceVersion);
        Assert.Null(cached.Data);
    }

    [Fact]
    public async Task Cancellation_ends_the_run()
    {
        var client = new ScriptedResourceClient().List("10");
        var informer = new Informer<V1ConfigMap>(client, Options, time, new Random(1), NullLogger.Instance);
        using var cancel = new CancellationTokenSource();
        var running = informer.RunAsync(cancel.Token);
        await informer.Synced.WaitAsync(TimeSpan.FromSeconds(10));

        await cancel.CancelAsync();

        await running.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.True(running.IsCompletedSuccessfully);
    }

    private static V1ConfigMap WithoutData(V1ConfigMap configMap)
    {
        configMap.Data = null;
        return configMap;
    }

    private InformerRun Start(ScriptedResourceClient client) =>
        new(new Informer<V1ConfigMap>(client, Options, time, new Random(1), NullLogger.Instance));

    /// <summary>A running informer and what it reported.</summary>
    private sealed class InformerRun : IAsyncDisposable
    {
        private readonly CancellationTokenSource cancel = new();
        private readonly Task running;
        private readonly ConcurrentQueue<string> changes = new();
        private readonly ConcurrentQueue<string> listed = new();
        private readonly ConcurrentQueue<(Exception Error, TimeSpan RetryIn)> failures = new();
        private int expired;

        public InformerRun(Informer<V1ConfigMap> informer)
        {
            Informer = informer;
            informer.Changed += (old, current) => changes.Enqueue(Describe(old, current));
            informer.Listed += listed.Enqueue;
            informer.Expired += () => Interlocked.Increment(ref expired);
            informer.Failed += (error, retryIn) => failures.Enqueue((error, retryIn));
            running = informer.RunAsync(cancel.Token);
        }

        public Informer<V1ConfigMap> Informer { get; }

        /// <summary>Each change as +name@rv (added), old>new (updated) or -name@rv (deleted).</summary>
        public List<string> Changes => [.. changes];

        public List<string> Listed => [.. listed];

        public List<(Exception Error, TimeSpan RetryIn)> Failures => [.. failures];

        public int Expired => Volatile.Read(ref expired);

        public async ValueTask DisposeAsync()
        {
            await cancel.CancelAsync();
            await running.WaitAsync(TimeSpan.FromSeconds(10));
            cancel.Dispose();
        }

        private static string Describe(V1ConfigMap? old, V1ConfigMap? current) => (old, current) switch
        {
            (null, { } added) => $"+{Name(added)}",
            ({ } removed, null) => $"-{Name(removed)}",
            _ => $"{Name(old!)}>{Name(current!)}",
        };

        private static string Name(V1ConfigMap configMap) => $"{configMap.Metadata.Name}@{configMap.Metadata.ResourceVersion}";
    }
}
