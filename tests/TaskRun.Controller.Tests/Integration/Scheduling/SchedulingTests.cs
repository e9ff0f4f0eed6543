using k8s;
using k8s.Models;
using TaskRun.Core.Api;
using TaskRun.Core.Naming;
using TaskRun.Testing;
using Xunit;
using Xunit.Abstractions;

namespace TaskRun.Controller.Tests.Integration.Scheduling;

/// <summary>scheduling.maxActiveRuns* and priorityClassNames against a real API server, Job status driven by hand.</summary>
[Collection(ControllerTests.Name)]
public sealed class SchedulingTests(ITestOutputHelper output) : IAsyncLifetime
{
    private SchedulingCluster cluster = null!;

    public async Task InitializeAsync()
    {
        cluster = await SchedulingCluster.Shared;
        await cluster.ResetAsync();
    }

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task Seven_TaskRuns_in_two_namespaces_under_a_limit_of_two_start_two_at_a_time_in_priority_then_fairness_then_age_order()
    {
        await cluster.WriteConfigAsync("scheduling:\n  maxActiveRuns: 2\n");
        var a = await cluster.CreateNamespaceAsync("team-a");
        var b = await cluster.CreateNamespaceAsync("team-b");
        await using var controller = new SchedulingHarness(cluster);

        await cluster.CreateTaskRunAsync(a, "a-run", Priorities.Low);
        await cluster.CreateTaskRunAsync(b, "b-run", Priorities.Low);
        await WaitActiveAsync(["a-run-run-1", "b-run-run-1"]);

        // Queued in this order; a-zulu is a second older than a-alpha, so age and name disagree.
        await cluster.CreateTaskRunAsync(b, "b-medium-oldest", Priorities.Medium);
        await cluster.CreateTaskRunAsync(a, "a-zulu", Priorities.Medium);
        await WaitQueuedAsync(b, "b-medium-oldest");
        await WaitQueuedAsync(a, "a-zulu");
        await Task.Delay(TimeSpan.FromSeconds(1.2));
        await cluster.CreateTaskRunAsync(a, "a-alpha", Priorities.Medium);
        await WaitQueuedAsync(a, "a-alpha");
        await cluster.CreateTaskRunAsync(b, "b-critical", Priorities.Critical);
        await WaitQueuedAsync(b, "b-critical");
        await cluster.CreateTaskRunAsync(a, "a-low", Priorities.Low);

        var lowest = await WaitQueuedAsync(a, "a-low");
        Assert.Equal("queued at position 5 of 5: scheduling.maxActiveRuns (2) is reached", lowest.Status!.Message);
        var critical = await cluster.GetAsync(b, "b-critical");
        Assert.Equal("queued at position 1 of 4: scheduling.maxActiveRuns (2) is reached", critical.Status!.Message);
        var succeeded = critical.Status.Conditions!.Single(c => c.Type == ConditionTypes.Succeeded);
        Assert.Equal(("Unknown", ConditionReasons.Queued), (succeeded.Status, succeeded.Reason));
        foreach (var (ns, name) in new[] { (b, "b-medium-oldest"), (a, "a-zulu"), (a, "a-alpha"), (b, "b-critical"), (a, "a-low") })
        {
            Assert.Equal(Phases.Queued, (await cluster.GetAsync(ns, name)).Status?.Phase);
        }

        await Eventually.HoldsAsync(controller.MetricsTextAsync,
            text => text.Contains("taskrun_queued{priority=\"medium\"} 3", StringComparison.Ordinal) &&
                    text.Contains("taskrun_queued{priority=\"critical\"} 1", StringComparison.Ordinal) &&
                    text.Contains($"taskrun_active_runs{{namespace=\"{b}\"}} 1", StringComparison.Ordinal),
            "the queue metrics");
        Assert.Equal(2, (await cluster.JobsAsync()).Count);
        Assert.DoesNotContain(await Cluster.RunConfigMapsAsync(cluster.Client, a), c => c.Metadata.Name.StartsWith("a-zulu", StringComparison.Ordinal));

        // Each finish frees one slot; the documented order says who takes it.
        await cluster.FinishAsync(a, "a-run");
        await WaitActiveAsync(["b-critical-run-1", "b-run-run-1"]);             // priority beats a busier namespace
        await cluster.FinishAsync(b, "b-run");
        await WaitActiveAsync(["a-zulu-run-1", "b-critical-run-1"]);            // team-a has fewer active runs; then the older
        await cluster.FinishAsync(b, "b-critical");
        await WaitActiveAsync(["a-zulu-run-1", "b-medium-oldest-run-1"]);       // team-b now has fewer
        await cluster.FinishAsync(a, "a-zulu");
        await WaitActiveAsync(["a-alpha-run-1", "b-medium-oldest-run-1"]);
        await cluster.FinishAsync(b, "b-medium-oldest");
        await WaitActiveAsync(["a-alpha-run-1", "a-low-run-1"]);

        var admitted = await cluster.GetAsync(b, "b-critical");
        var scheduled = admitted.Status!.Conditions!.Single(c => c.Type == ConditionTypes.Scheduled);
        Assert.Equal(("True", ConditionReasons.Admitted), (scheduled.Status, scheduled.Reason));
        // Events are written in the background, just after the status.
        var events = await Eventually.HoldsAsync(
            async () => (await cluster.Client.CoreV1.ListNamespacedEventAsync(b, fieldSelector: "involvedObject.name=b-critical")).Items,
            items => items.Any(e => e.Reason == ConditionReasons.Admitted), "the Admitted Event of b-critical");
        Assert.Contains(events, e => e.Reason == ConditionReasons.Queued);
        Assert.Contains(events, e => e.Reason == ConditionReasons.Admitted && e.Message.StartsWith("run 1 left the queue after", StringComparison.Ordinal));
        var metrics = await controller.MetricsTextAsync();
        Assert.Contains("taskrun_queue_admissions_total 5", metrics, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_queued_TaskRun_cancelled_ends_Failed_Cancelled_without_a_Job_and_a_deleted_one_just_goes()
    {
        await cluster.WriteConfigAsync("scheduling:\n  maxActiveRunsPerNamespace: 1\n");
        var ns = await cluster.CreateNamespaceAsync("cancel");
        await using var controller = new SchedulingHarness(cluster);
        await cluster.CreateTaskRunAsync(ns, "running", Priorities.Medium);
        await WaitActiveAsync(["running-run-1"]);
        await cluster.CreateTaskRunAsync(ns, "to-cancel", Priorities.Critical);
        await cluster.CreateTaskRunAsync(ns, "to-delete", Priorities.Critical);
        var queued = await WaitQueuedAsync(ns, "to-cancel");
        Assert.Contains("scheduling.maxActiveRunsPerNamespace (1) is reached in namespace " + ns, queued.Status!.Message, StringComparison.Ordinal);
        await WaitQueuedAsync(ns, "to-delete");

        await TaskRunClient.PatchSpecAsync(cluster.Client, ns, "to-cancel", """{"spec":{"cancel":true}}""");
        await TaskRunClient.DeleteAsync(cluster.Client, ns, "to-delete");

        var cancelled = await Eventually.HoldsAsync(() => cluster.GetAsync(ns, "to-cancel"), t => t.Status?.Phase == Phases.Failed, "to-cancel Failed");
        Assert.Equal(ConditionReasons.Cancelled, cancelled.Status!.Conditions!.Single(c => c.Type == ConditionTypes.Succeeded).Reason);
        Assert.Contains("no Job was created", cancelled.Status.Message, StringComparison.Ordinal);
        await Eventually.HoldsAsync(() => TaskRunClient.GetAsync(cluster.Client, ns, "to-delete"), t => t is null, "to-delete gone");

        // The slot that frees goes to nobody: both former candidates are out of the queue.
        await cluster.FinishAsync(ns, "running");
        await Task.Delay(TimeSpan.FromSeconds(2));
        Assert.Equal(["running-run-1"], (await cluster.JobsAsync()).Select(j => j.Metadata.Name));
        Assert.Equal(["running-run-1-files"], (await Cluster.RunConfigMapsAsync(cluster.Client, ns)).Select(c => c.Metadata.Name));
    }

    [Fact]
    public async Task Lowering_the_limit_live_stops_no_running_Job_and_raising_it_admits_the_queue_at_once()
    {
        await cluster.WriteConfigAsync("scheduling:\n  maxActiveRuns: 3\n");
        var ns = await cluster.CreateNamespaceAsync("live");
        await using var controller = new SchedulingHarness(cluster);
        foreach (var name in new[] { "one", "two", "three" })
        {
            await cluster.CreateTaskRunAsync(ns, name, Priorities.Medium);
        }

        await WaitActiveAsync(["one-run-1", "three-run-1", "two-run-1"]);

        await cluster.WriteConfigAsync("scheduling:\n  maxActiveRuns: 1\n");
        await Eventually.HoldsAsync(() => Task.FromResult(controller.LiveConfig.Current.Scheduling.MaxActiveRuns), m => m == 1, "the lowered limit live");
        await cluster.CreateTaskRunAsync(ns, "four", Priorities.Medium);
        await cluster.CreateTaskRunAsync(ns, "five", Priorities.High);
        await WaitQueuedAsync(ns, "four");
        await WaitQueuedAsync(ns, "five");
        foreach (var job in await cluster.JobsAsync())
        {
            Assert.Null(job.Status?.Conditions);
            Assert.Equal(3600, job.Spec.ActiveDeadlineSeconds);
        }

        Assert.Equal(Phases.Running, (await cluster.GetAsync(ns, "one")).Status!.Phase);
        await cluster.FinishAsync(ns, "one");
        await cluster.FinishAsync(ns, "two");
        await Task.Delay(TimeSpan.FromSeconds(2));
        Assert.Equal(["three-run-1"], await cluster.ActiveJobNamesAsync());

        var raisedAt = System.Diagnostics.Stopwatch.StartNew();
        await cluster.WriteConfigAsync("scheduling:\n  maxActiveRuns: 4\n");
        await WaitActiveAsync(["five-run-1", "four-run-1", "three-run-1"]);
        output.WriteLine($"queue admitted {raisedAt.Elapsed.TotalSeconds:0.00} s after the limit was raised");
    }

    [Fact]
    public async Task PriorityClass_names_from_the_config_are_set_on_the_run_Pods()
    {
        await cluster.WriteConfigAsync("scheduling:\n  priorityClassNames:\n    critical: agents-critical\n    low: agents-low\n");
        var ns = await cluster.CreateNamespaceAsync("classes");
        foreach (var (name, value) in new[] { ("agents-critical", 1000), ("agents-low", 10) })
        {
            await cluster.Client.SchedulingV1.CreatePriorityClassAsync(new V1PriorityClass { Metadata = new V1ObjectMeta { Name = name }, Value = value });
        }

        try
        {
            await using var controller = new SchedulingHarness(cluster);
            await cluster.CreateTaskRunAsync(ns, "urgent", Priorities.Critical);
            await cluster.CreateTaskRunAsync(ns, "ordinary", Priorities.Medium);
            await cluster.CreateTaskRunAsync(ns, "whenever", Priorities.Low);
            await WaitActiveAsync(["ordinary-run-1", "urgent-run-1", "whenever-run-1"]);

            var classes = (await cluster.JobsAsync()).ToDictionary(j => j.Metadata.Name, j => j.Spec.Template.Spec.PriorityClassName);
            Assert.Equal("agents-critical", classes["urgent-run-1"]);
            Assert.Null(classes["ordinary-run-1"]);
            Assert.Equal("agents-low", classes["whenever-run-1"]);
        }
        finally
        {
            await cluster.Client.SchedulingV1.DeletePriorityClassAsync("agents-critical");
            await cluster.Client.SchedulingV1.DeletePriorityClassAsync("agents-low");
        }
    }

    private Task<List<string>> WaitActiveAsync(IReadOnlyList<string> expected) =>
        Eventually.HoldsAsync(cluster.ActiveJobNamesAsync, active => active.SequenceEqual(expected), $"active Jobs {string.Join(", ", expected)}", TimeSpan.FromSeconds(30));

    private Task<V2TaskRun> WaitQueuedAsync(string ns, string name) =>
        Eventually.HoldsAsync(() => cluster.GetAsync(ns, name), t => t?.Status?.Phase == Phases.Queued, $"{name} Queued");
}
