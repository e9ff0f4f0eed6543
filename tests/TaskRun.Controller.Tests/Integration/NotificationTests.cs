using System.Diagnostics;
using System.Text.RegularExpressions;
using k8s;
using k8s.Models;
using TaskRun.Core.Api;
using TaskRun.Core.Config;
using TaskRun.Testing;
using Xunit;
using Xunit.Abstractions;

namespace TaskRun.Controller.Tests.Integration;

/// <summary>CloudEvents on phase transitions, delivered to a loopback HTTP sink by a controller running against the API server.</summary>
[Collection(ControllerTests.Name)]
public sealed partial class NotificationTests(KubernetesFixture fixture, ITestOutputHelper output)
{
    private static ControllerConfig WithSinks(params NotificationSink[] sinks) => ControllerHarness.FastRetries with
    {
        Notifications = new NotificationsConfig { Sinks = sinks, BaseDelayMilliseconds = 100, MaxDelaySeconds = 1, MaxAttempts = 5 },
    };

    [Fact]
    public async Task Running_succeeded_and_failed_are_posted_as_binary_mode_CloudEvents_with_every_header()
    {
        var ns = await fixture.CreateNamespaceAsync();
        await using var all = new EventSink();
        await using var failures = new EventSink();
        await using var controller = new ControllerHarness(fixture, ns, WithSinks(
            new NotificationSink { Url = all.Url.ToString() },
            new NotificationSink { Url = failures.Url.ToString(), Types = ["failed"] }));
        var ok = await TaskRunClient.CreateAsync(fixture.Client, SeedTaskRun.Build(ns, "ok"));
        var bad = SeedTaskRun.Build(ns, "bad");
        bad.Spec.Retry!.MaxRetries = 0;
        bad = await TaskRunClient.CreateAsync(fixture.Client, bad);
        await Cluster.WaitRunningAsync(fixture.Client, ns, 2, TimeSpan.FromSeconds(30));

        await Cluster.FinishJobAsync(fixture.Client, ns, "ok-run-1", "Complete");
        await Cluster.FinishJobAsync(fixture.Client, ns, "bad-run-1", "Failed", "BackoffLimitExceeded");

        var events = await Eventually.HoldsAsync(() => Task.FromResult(all.Delivered), d => d.Count >= 4, "four events at the sink", TimeSpan.FromSeconds(30));
        Assert.Equal(
            ["bad io.orchestrator.taskrun.failed", "bad io.orchestrator.taskrun.running", "ok io.orchestrator.taskrun.running", "ok io.orchestrator.taskrun.succeeded"],
            events.Select(e => $"{e.Subject} {e.Type}").Order(StringComparer.Ordinal));
        foreach (var e in events)
        {
            var taskRun = e.Subject == "ok" ? ok : bad;
            var phase = e.Type["io.orchestrator.taskrun.".Length..];
            Assert.Equal("1.0", e.Header("ce-specversion"));
            Assert.Equal($"/apis/orchestrator.io/v2/namespaces/{ns}/taskruns/{e.Subject}", e.Header("ce-source"));
            Assert.Matches(HexId(), e.Header("ce-id"));
            Assert.True(DateTimeOffset.TryParse(e.Header("ce-time"), out var time) && time > DateTimeOffset.UtcNow.AddMinutes(-5), e.Header("ce-time"));
            Assert.StartsWith("application/json", e.Header("content-type"), StringComparison.Ordinal);
            var data = e.Data;
            Assert.Equal(ns, (string?)data["namespace"]);
            Assert.Equal(e.Subject, (string?)data["name"]);
            Assert.Equal(taskRun.Metadata.Uid, (string?)data["uid"]);
            Assert.Equal(1001, (long?)data["taskId"]);
            Assert.Equal("auth-service", (string?)data["serviceName"]);
            Assert.Equal(1, (int?)data["run"]);
            Assert.Equal(phase, ((string?)data["phase"])?.ToLowerInvariant());
            Assert.Equal($"{e.Subject}-run-1", (string?)data["jobName"]);
            Assert.False(string.IsNullOrEmpty((string?)data["message"]));
            Assert.DoesNotContain("Task Implementation Details", e.Body, StringComparison.Ordinal);
        }

        Assert.Equal(ConditionReasons.RetriesExhausted, (string?)events.Single(e => e.Type.EndsWith("failed", StringComparison.Ordinal)).Data["reason"]);
        Assert.Equal(4, events.Select(e => e.Header("ce-id")).Distinct().Count());
        var failed = await Eventually.HoldsAsync(() => Task.FromResult(failures.Delivered), d => d.Count >= 1, "the failure at the filtered sink");
        Assert.Equal(["bad io.orchestrator.taskrun.failed"], failed.Select(e => $"{e.Subject} {e.Type}"));

        // Delivered notifications leave the status.
        foreach (var name in new[] { "ok", "bad" })
        {
            await Eventually.HoldsAsync(() => TaskRunClient.GetAsync(fixture.Client, ns, name), t => t?.Status?.Notifications is not { Count: > 0 }, $"{name} without pending notifications");
        }
    }

    [Fact]
    public async Task A_sink_answering_503_twice_gets_the_event_on_the_third_attempt_with_the_same_id()
    {
        var ns = await fixture.CreateNamespaceAsync();
        await using var sink = new EventSink();
        sink.Respond = (e, _) => Task.FromResult(e.Index <= 2 ? 503 : 200);
        // Through the config ConfigMap, as an admin would set it.
        await WriteConfigAsync(ns, $"notifications:\n  sinks:\n  - url: {sink.Url}\n    types: [running]\n  baseDelayMilliseconds: 200\n  maxDelaySeconds: 2\n");
        await using var controller = new ControllerHarness(fixture, ns, liveConfig: true);

        await TaskRunClient.CreateAsync(fixture.Client, SeedTaskRun.Build(ns, "flaky-sink"));

        var delivered = await Eventually.HoldsAsync(() => Task.FromResult(sink.Delivered), d => d.Count == 1, "the event delivered", TimeSpan.FromSeconds(30));
        var attempts = sink.Received.ToList();
        Assert.Equal([503, 503, 200], attempts.Select(a => a.AnsweredWith));
        Assert.Single(attempts.Select(a => a.Header("ce-id")).Distinct());
        Assert.All(attempts, a => Assert.Equal("io.orchestrator.taskrun.running", a.Type));
        var gaps = attempts.Zip(attempts.Skip(1), (a, b) => (b.ReceivedAt - a.ReceivedAt).TotalMilliseconds).ToList();
        output.WriteLine($"gaps between attempts: {string.Join(", ", gaps.Select(g => $"{g:0} ms"))} (base 200 ms, doubling, with jitter)");
        Assert.All(gaps, g => Assert.True(g >= 90, $"retried after {g} ms, before the backoff"));
        await Eventually.HoldsAsync(() => Task.FromResult(Metric(controller, "retried")), v => v == 2, "two retries counted");
        Assert.Equal(1, Metric(controller, "delivered"));
        await Eventually.HoldsAsync(() => TaskRunClient.GetAsync(fixture.Client, ns, "flaky-sink"), t => t?.Status?.Notifications is not { Count: > 0 }, "no pending notification");
    }

    [Fact]
    public async Task Sinks_added_to_the_config_ConfigMap_apply_to_the_next_transitions_without_a_restart()
    {
        var ns = await fixture.CreateNamespaceAsync();
        await using var sink = new EventSink();
        await WriteConfigAsync(ns, "job:\n  backoffLimit: 2\n");
        await using var controller = new ControllerHarness(fixture, ns, liveConfig: true);
        await TaskRunClient.CreateAsync(fixture.Client, SeedTaskRun.Build(ns, "before"));
        await Cluster.WaitRunningAsync(fixture.Client, ns, 1, TimeSpan.FromSeconds(30));
        Assert.Null((await TaskRunClient.GetAsync(fixture.Client, ns, "before"))!.Status!.Notifications);

        await WriteConfigAsync(ns, $"notifications:\n  sinks:\n  - url: {sink.Url}\n");
        await Eventually.HoldsAsync(() => Task.FromResult(controller.LiveConfig!.Current.Notifications.Sinks.Count), n => n == 1, "the sink in the live config");
        await TaskRunClient.CreateAsync(fixture.Client, SeedTaskRun.Build(ns, "after"));
        await Cluster.FinishJobAsync(fixture.Client, ns, "before-run-1", "Complete");

        var delivered = await Eventually.HoldsAsync(() => Task.FromResult(sink.Delivered), d => d.Count >= 2, "two events", TimeSpan.FromSeconds(30));
        Assert.Equal(["after io.orchestrator.taskrun.running", "before io.orchestrator.taskrun.succeeded"], delivered.Select(e => $"{e.Subject} {e.Type}").Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task A_sink_that_keeps_failing_is_given_up_on_after_maxAttempts_with_an_Event_and_a_metric()
    {
        var ns = await fixture.CreateNamespaceAsync();
        await using var sink = new EventSink();
        sink.Respond = (_, _) => Task.FromResult(500);
        var config = WithSinks(new NotificationSink { Url = sink.Url + "?token=secret-token" }) is var c
            ? c with { Notifications = c.Notifications with { MaxAttempts = 3 } } : null;
        await using var controller = new ControllerHarness(fixture, ns, config);

        await TaskRunClient.CreateAsync(fixture.Client, SeedTaskRun.Build(ns, "unheard"));

        var warning = await Eventually.HoldsAsync(
            async () => (await fixture.Client.CoreV1.ListNamespacedEventAsync(ns, fieldSelector: "involvedObject.name=unheard")).Items.Where(e => e.Reason == "NotificationFailed").ToList(),
            w => w.Count > 0, "a NotificationFailed Event", TimeSpan.FromSeconds(30));
        Assert.Equal("Warning", warning[0].Type);
        Assert.Contains("HTTP 500 after 3 attempt(s)", warning[0].Message, StringComparison.Ordinal);
        Assert.Contains($"127.0.0.1:{sink.Url.Port}/events", warning[0].Message, StringComparison.Ordinal);
        Assert.DoesNotContain("secret-token", warning[0].Message, StringComparison.Ordinal);
        Assert.Equal(3, sink.Received.Count);
        Assert.Equal(1, Metric(controller, "failed"));
        await Eventually.HoldsAsync(() => TaskRunClient.GetAsync(fixture.Client, ns, "unheard"), t => t?.Status?.Notifications is not { Count: > 0 }, "the given-up notification removed");
    }

    [Fact]
    public async Task A_sink_taking_over_5_seconds_to_answer_does_not_slow_reconciles()
    {
        var ns = await fixture.CreateNamespaceAsync();
        await using var sink = new EventSink();
        var release = new TaskCompletionSource();
        // At least 5 s per answer, and none before this test has seen the TaskRun finish.
        sink.Respond = async (_, stop) =>
        {
            await Task.WhenAll(Task.Delay(TimeSpan.FromSeconds(5), stop), release.Task);
            return 200;
        };
        await using var controller = new ControllerHarness(fixture, ns, WithSinks(new NotificationSink { Url = sink.Url.ToString() }) is var c
            ? c with { Notifications = c.Notifications with { TimeoutSeconds = 60 } } : null);

        var clock = Stopwatch.StartNew();
        await TaskRunClient.CreateAsync(fixture.Client, SeedTaskRun.Build(ns, "busy"));
        await Cluster.WaitRunningAsync(fixture.Client, ns, 1, TimeSpan.FromSeconds(30));
        var running = clock.Elapsed;
        await Cluster.FinishJobAsync(fixture.Client, ns, "busy-run-1", "Complete");
        await Eventually.HoldsAsync(() => TaskRunClient.GetAsync(fixture.Client, ns, "busy"), t => t?.Status?.Phase == Phases.Succeeded, "busy Succeeded");
        var succeeded = clock.Elapsed;
        output.WriteLine($"with a sink that answers after ≥ 5 s: Running after {running.TotalMilliseconds:0} ms, Succeeded {succeeded.TotalMilliseconds:0} ms after create; sink answered {sink.Answered} of {sink.Received.Count} requests by then");

        // The run went all the way while the sink still held its first request.
        Assert.Equal(0, sink.Answered);
        Assert.Single(sink.Received);
        release.SetResult();
        var delivered = await Eventually.HoldsAsync(() => Task.FromResult(sink.Delivered), d => d.Count == 2, "both events delivered", TimeSpan.FromSeconds(30));
        Assert.Equal(["io.orchestrator.taskrun.running", "io.orchestrator.taskrun.succeeded"], delivered.OrderBy(e => e.Index).Select(e => e.Type));
    }

    [Fact]
    public async Task A_transition_not_delivered_when_the_leader_is_killed_is_delivered_by_the_next_leader_with_the_same_id()
    {
        var ns = await fixture.CreateNamespaceAsync();
        await using var sink = new EventSink();
        var answer = new TaskCompletionSource();
        // Until the leader is killed, requests hang (the leader dies mid-delivery); afterwards they succeed.
        sink.Respond = async (_, stop) =>
        {
            await answer.Task.WaitAsync(stop);
            return 200;
        };
        await WriteConfigAsync(ns, $"notifications:\n  sinks:\n  - url: {sink.Url}\n    types: [running]\n  timeoutSeconds: 120\n");
        await using var first = ControllerProcess.Start(fixture, ns, "first", LeaseTimings.Short);
        await WaitForLeaderAsync(ns, "first");
        await using var second = ControllerProcess.Start(fixture, ns, "second", LeaseTimings.Short);

        var created = await TaskRunClient.CreateAsync(fixture.Client, SeedTaskRun.Build(ns, "handover"));
        await Cluster.WaitRunningAsync(fixture.Client, ns, 1, TimeSpan.FromSeconds(60));
        var pending = await Eventually.HoldsAsync(() => TaskRunClient.GetAsync(fixture.Client, ns, "handover"), t => t?.Status?.Notifications is { Count: 1 }, "the transition pending in status");
        var id = pending!.Status!.Notifications![0].Id;
        await Eventually.HoldsAsync(() => Task.FromResult(sink.Received.Count), n => n >= 1, "the first leader's delivery attempt", TimeSpan.FromSeconds(30));

        first.Kill();
        answer.SetResult();
        await WaitForLeaderAsync(ns, "second");

        var delivered = await Eventually.HoldsAsync(() => Task.FromResult(sink.Delivered), d => d.Count >= 1, "delivery by the new leader", TimeSpan.FromSeconds(60));
        Assert.All(sink.Received, e => Assert.Equal(id, e.Header("ce-id")));
        Assert.Equal(created.Metadata.Uid, (string?)delivered[0].Data["uid"]);
        output.WriteLine($"requests at the sink: {sink.Received.Count} (the killed leader's, then the new leader's), all with ce-id {id}");
        await Eventually.HoldsAsync(() => TaskRunClient.GetAsync(fixture.Client, ns, "handover"), t => t?.Status?.Notifications is not { Count: > 0 }, "no pending notification");
    }

    private static double Metric(ControllerHarness controller, string result) => controller.Metrics.NotificationCount(result);

    private async Task<string> WaitForLeaderAsync(string ns, string identity) =>
        (await Eventually.HoldsAsync(async () =>
        {
            try
            {
                return (await fixture.Client.CoordinationV1.ReadNamespacedLeaseAsync("taskrun-controller-leader", ns)).Spec?.HolderIdentity;
            }
            catch (k8s.Autorest.HttpOperationException)
            {
                return null;
            }
        }, h => h == identity, $"lease held by {identity}", TimeSpan.FromSeconds(60)))!;

    private Task WriteConfigAsync(string ns, string yaml) => ControllerConfigMaps.ApplyAsync(fixture.Client, ns, yaml);

    [GeneratedRegex("^[0-9a-f]{32}$")]
    private static partial Regex HexId();
}
