using System.Diagnostics;
using k8s;
using k8s.Models;
using TaskRun.Controller.Reconciliation;
using TaskRun.Core.Api;
using TaskRun.Testing;
using Xunit;
using Xunit.Abstractions;

namespace TaskRun.Controller.Tests.Integration;

/// <summary>spec.dependsOn against the real API server (no webhook here, so the controller's own checks are what is tested).</summary>
[Collection(ControllerTests.Name)]
public sealed class DependencyTests(KubernetesFixture fixture, ITestOutputHelper output)
{
    [Fact]
    public async Task A_dependent_waits_without_a_Job_until_its_dependency_succeeds_then_runs()
    {
        var ns = await fixture.CreateNamespaceAsync();
        await using var controller = new ControllerHarness(fixture, ns);
        await TaskRunClient.CreateAsync(fixture.Client, SeedTaskRun.Build(ns, "api"));
        await TaskRunClient.CreateAsync(fixture.Client, DependsOn(SeedTaskRun.Build(ns, "client"), "api"));

        var waiting = await Eventually.HoldsAsync(() => TaskRunClient.GetAsync(fixture.Client, ns, "client"),
            t => t?.Status?.Phase == Phases.Waiting && t.Status.Message == "waiting for api (Running)", "client Waiting for a Running api");
        var ready = Condition(waiting!, ConditionTypes.DependenciesReady);
        Assert.Equal(("False", ConditionReasons.Waiting, "waiting for api (Running)"), (ready?.Status, ready?.Reason, ready?.Message));
        Assert.Equal("Unknown", Condition(waiting!, ConditionTypes.Succeeded)?.Status);
        Assert.Null(waiting!.Status!.JobName);
        Assert.Equal(["api-run-1"], (await Cluster.JobsAsync(fixture.Client, ns)).Select(j => j.Metadata.Name));
        Assert.Equal(["api-run-1-files"], (await Cluster.RunConfigMapsAsync(fixture.Client, ns)).Select(c => c.Metadata.Name));

        await Cluster.FinishJobAsync(fixture.Client, ns, "api-run-1", "Complete");
        var woken = Stopwatch.StartNew();
        var running = await Eventually.HoldsAsync(() => TaskRunClient.GetAsync(fixture.Client, ns, "client"), t => t?.Status?.Phase == Phases.Running, "client Running");
        output.WriteLine($"client Running {woken.ElapsedMilliseconds} ms after api's Job completed (no polling: the dependents index woke it)");

        ready = Condition(running!, ConditionTypes.DependenciesReady);
        Assert.Equal(("True", ConditionReasons.DependenciesSucceeded), (ready?.Status, ready?.Reason));
        Assert.Contains("api", ready!.Message, StringComparison.Ordinal);
        Assert.Equal("client-run-1", running!.Status!.JobName);
        Assert.Equal(["api-run-1", "client-run-1"], (await Cluster.JobsAsync(fixture.Client, ns)).Select(j => j.Metadata.Name).Order());
    }

    [Fact]
    public async Task A_failed_dependency_fails_the_dependent_which_its_later_success_does_not_revive_but_a_raised_attempt_does()
    {
        var ns = await fixture.CreateNamespaceAsync();
        await using var controller = new ControllerHarness(fixture, ns);
        var migrate = SeedTaskRun.Build(ns, "migrate");
        migrate.Spec.Retry!.MaxRetries = 0;
        await TaskRunClient.CreateAsync(fixture.Client, migrate);
        await TaskRunClient.CreateAsync(fixture.Client, DependsOn(SeedTaskRun.Build(ns, "deploy"), "migrate"));
        await WaitForPhaseAsync(ns, "migrate", Phases.Running);
        await WaitForPhaseAsync(ns, "deploy", Phases.Waiting);

        await Cluster.FinishJobAsync(fixture.Client, ns, "migrate-run-1", "Failed", "BackoffLimitExceeded");

        var failed = await WaitForPhaseAsync(ns, "deploy", Phases.Failed);
        var succeeded = Condition(failed, ConditionTypes.Succeeded);
        Assert.Equal(("False", ConditionReasons.DependencyFailed), (succeeded?.Status, succeeded?.Reason));
        Assert.Contains("dependency migrate failed (RetriesExhausted", succeeded!.Message, StringComparison.Ordinal);
        Assert.Equal(ConditionReasons.DependencyFailed, Condition(failed, ConditionTypes.DependenciesReady)?.Reason);
        // Events are written in the background, just after the status.
        await Eventually.HoldsAsync(() => EventsAsync(ns, "deploy"),
            events => events.Any(e => e.Reason == ConditionReasons.DependencyFailed && e.Type == "Warning"), "a DependencyFailed Warning Event");
        Assert.Equal(["migrate-run-1"], (await Cluster.JobsAsync(fixture.Client, ns)).Select(j => j.Metadata.Name));

        // The dependency's manual retry succeeds: the failed dependent stays failed.
        await TaskRunClient.PatchSpecAsync(fixture.Client, ns, "migrate", """{"spec":{"retry":{"attempt":2}}}""");
        await WaitForPhaseAsync(ns, "migrate", Phases.Running);
        await Cluster.FinishJobAsync(fixture.Client, ns, "migrate-run-2", "Complete");
        await WaitForPhaseAsync(ns, "migrate", Phases.Succeeded);
        await Task.Delay(TimeSpan.FromSeconds(1));
        Assert.Equal(Phases.Failed, (await TaskRunClient.GetAsync(fixture.Client, ns, "deploy"))!.Status!.Phase);

        // Raising the dependent's retry.attempt evaluates its dependencies again.
        await TaskRunClient.PatchSpecAsync(fixture.Client, ns, "deploy", """{"spec":{"retry":{"attempt":2}}}""");
        var rerun = await WaitForPhaseAsync(ns, "deploy", Phases.Running);
        Assert.Equal(("deploy-run-2", "True"), (rerun.Status!.JobName, Condition(rerun, ConditionTypes.DependenciesReady)?.Status));
    }

    [Fact]
    public async Task A_dependency_created_after_its_dependent_is_waited_for()
    {
        var ns = await fixture.CreateNamespaceAsync();
        await using var controller = new ControllerHarness(fixture, ns);
        await TaskRunClient.CreateAsync(fixture.Client, DependsOn(SeedTaskRun.Build(ns, "client"), "api", "schema"));

        await Eventually.HoldsAsync(() => TaskRunClient.GetAsync(fixture.Client, ns, "client"),
            t => t?.Status?.Message == "waiting for api (not created yet), schema (not created yet)", "client waiting for two missing TaskRuns");
        Assert.Empty(await Cluster.JobsAsync(fixture.Client, ns));

        await TaskRunClient.CreateAsync(fixture.Client, SeedTaskRun.Build(ns, "api"));
        await TaskRunClient.CreateAsync(fixture.Client, SeedTaskRun.Build(ns, "schema"));
        await Eventually.HoldsAsync(() => TaskRunClient.GetAsync(fixture.Client, ns, "client"),
            t => t?.Status?.Message == "waiting for api (Running), schema (Running)", "client waiting for two Running TaskRuns");
        await Cluster.FinishJobAsync(fixture.Client, ns, "api-run-1", "Complete");
        await Eventually.HoldsAsync(() => TaskRunClient.GetAsync(fixture.Client, ns, "client"),
            t => t?.Status?.Message == "waiting for schema (Running)", "client waiting for schema only");
        await Cluster.FinishJobAsync(fixture.Client, ns, "schema-run-1", "Complete");

        await WaitForPhaseAsync(ns, "client", Phases.Running);
    }

    [Fact]
    public async Task A_dependency_deleted_while_waited_on_fails_the_dependent()
    {
        var ns = await fixture.CreateNamespaceAsync();
        await using var controller = new ControllerHarness(fixture, ns);
        await TaskRunClient.CreateAsync(fixture.Client, SeedTaskRun.Build(ns, "api"));
        await TaskRunClient.CreateAsync(fixture.Client, DependsOn(SeedTaskRun.Build(ns, "client"), "api"));
        var waiting = await WaitForPhaseAsync(ns, "client", Phases.Waiting);
        var api = await TaskRunClient.GetAsync(fixture.Client, ns, "api");
        Assert.Equal(api!.Metadata.Uid, Assert.Single(waiting.Status!.Dependencies!).Uid);

        await TaskRunClient.DeleteAsync(fixture.Client, ns, "api");

        var failed = await WaitForPhaseAsync(ns, "client", Phases.Failed);
        var condition = Condition(failed, ConditionTypes.Succeeded);
        Assert.Equal(ConditionReasons.DependencyDeleted, condition?.Reason);
        Assert.Contains("dependency api deleted while this TaskRun waited", condition!.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(await Cluster.JobsAsync(fixture.Client, ns), j => j.Metadata.Name.StartsWith("client", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_cycle_that_bypassed_the_webhook_fails_every_TaskRun_in_it_and_spares_one_that_only_depends_on_it()
    {
        var ns = await fixture.CreateNamespaceAsync();
        await using var controller = new ControllerHarness(fixture, ns);
        await TaskRunClient.CreateAsync(fixture.Client, DependsOn(SeedTaskRun.Build(ns, "a"), "b"));
        await TaskRunClient.CreateAsync(fixture.Client, DependsOn(SeedTaskRun.Build(ns, "b"), "c"));
        await TaskRunClient.CreateAsync(fixture.Client, DependsOn(SeedTaskRun.Build(ns, "outside"), "a"));
        await WaitForPhaseAsync(ns, "b", Phases.Waiting);

        await TaskRunClient.CreateAsync(fixture.Client, DependsOn(SeedTaskRun.Build(ns, "c"), "a"));

        var expected = new Dictionary<string, string> { ["a"] = "a → b → c → a", ["b"] = "b → c → a → b", ["c"] = "c → a → b → c" };
        foreach (var (name, cycle) in expected)
        {
            var failed = await WaitForPhaseAsync(ns, name, Phases.Failed);
            var condition = Condition(failed, ConditionTypes.Succeeded);
            Assert.Equal(ConditionReasons.DependencyCycle, condition?.Reason);
            Assert.Contains($"dependency cycle {cycle}", condition!.Message, StringComparison.Ordinal);
        }

        // Not in the cycle, but what it waits for has now failed.
        var outside = await WaitForPhaseAsync(ns, "outside", Phases.Failed);
        Assert.Equal(ConditionReasons.DependencyFailed, Condition(outside, ConditionTypes.Succeeded)?.Reason);
        Assert.Empty(await Cluster.JobsAsync(fixture.Client, ns));
    }

    [Fact]
    public async Task Cancelling_a_waiting_TaskRun_fails_it_Cancelled_without_a_Job()
    {
        var ns = await fixture.CreateNamespaceAsync();
        await using var controller = new ControllerHarness(fixture, ns);
        await TaskRunClient.CreateAsync(fixture.Client, DependsOn(SeedTaskRun.Build(ns, "client"), "never"));
        await WaitForPhaseAsync(ns, "client", Phases.Waiting);

        await TaskRunClient.PatchSpecAsync(fixture.Client, ns, "client", """{"spec":{"cancel":true}}""");

        var cancelled = await WaitForPhaseAsync(ns, "client", Phases.Failed);
        Assert.Equal(ConditionReasons.Cancelled, Condition(cancelled, ConditionTypes.Succeeded)?.Reason);
        Assert.Empty(await Cluster.JobsAsync(fixture.Client, ns));
    }

    private static V2TaskRun DependsOn(V2TaskRun taskRun, params string[] names)
    {
        taskRun.Spec.DependsOn = [.. names];
        return taskRun;
    }

    private async Task<IList<Corev1Event>> EventsAsync(string ns, string name) =>
        (await fixture.Client.CoreV1.ListNamespacedEventAsync(ns, fieldSelector: $"involvedObject.name={name}")).Items;

    private async Task<V2TaskRun> WaitForPhaseAsync(string ns, string name, string phase) =>
        (await Eventually.HoldsAsync(() => TaskRunClient.GetAsync(fixture.Client, ns, name), t => t?.Status?.Phase == phase, $"{name} {phase}"))!;

    private static V1Condition? Condition(V2TaskRun taskRun, string type) => StatusConditions.Find(taskRun.Status?.Conditions, type);
}
