using k8s;
using k8s.Models;
using TaskRun.Controller.Reconciliation;
using TaskRun.Core.Api;
using TaskRun.Testing;
using Xunit;
using Xunit.Abstractions;

namespace TaskRun.Controller.Tests.Integration;

/// <summary>The reconcile of runs into ConfigMaps and Jobs, against the real API server.</summary>
[Collection(ControllerTests.Name)]
public sealed class ReconcileTests(KubernetesFixture fixture, ITestOutputHelper output)
{
    [Fact]
    public async Task The_seed_example_gets_its_ConfigMap_and_Job_and_is_Running()
    {
        var ns = await fixture.CreateNamespaceAsync();
        await using var controller = new ControllerHarness(fixture, ns);
        var created = await TaskRunClient.CreateAsync(fixture.Client, SeedTaskRun.Build(ns));

        var running = await WaitForPhaseAsync(ns, created.Metadata.Name, Phases.Running);

        Assert.Equal("auth-service-task-1001-run-1-files", running.Status!.ConfigMapName);
        Assert.Equal("auth-service-task-1001-run-1", running.Status.JobName);
        Assert.Equal(1, running.Status.Attempt);
        Assert.Equal("True", Condition(running, ConditionTypes.ConfigMapReady)?.Status);
        Assert.Equal("True", Condition(running, ConditionTypes.JobCreated)?.Status);
        Assert.Equal("Unknown", Condition(running, ConditionTypes.Succeeded)?.Status);
        Assert.Contains(TaskRunApi.Finalizer, running.Metadata.Finalizers!);

        var job = await fixture.Client.BatchV1.ReadNamespacedJobAsync("auth-service-task-1001-run-1", ns);
        var configMap = await fixture.Client.CoreV1.ReadNamespacedConfigMapAsync("auth-service-task-1001-run-1-files", ns);
        foreach (var metadata in new[] { job.Metadata, configMap.Metadata })
        {
            Assert.Equal("1001", metadata.Labels["task-id"]);
            Assert.Equal("auth-service", metadata.Labels["service"]);
            Assert.Equal("high", metadata.Labels["priority"]);
            Assert.Equal("auth-service-task-1001", metadata.Labels[TaskRunLabels.TaskRun]);
            Assert.Equal("1", metadata.Labels[TaskRunLabels.Run]);
            Assert.Equal("taskrun-controller", metadata.Labels["app.kubernetes.io/managed-by"]);
            var owner = Assert.Single(metadata.OwnerReferences);
            Assert.Equal((TaskRunApi.Kind, created.Metadata.Uid, true), (owner.Kind, owner.Uid, owner.Controller == true));
        }

        Assert.Equal(new[] { "task.md", "design-spec.md", "prompt.md", "CLAUDE.md", "metadata.yaml" }.Order(), configMap.Data.Keys.Order());
        var pod = job.Spec.Template.Spec;
        Assert.Equal("auth-service-task-1001-run-1-files", pod.Volumes.Single(v => v.Name == "task-files").ConfigMap.Name);
        Assert.Equal("auth-service-workspace-pvc", pod.Volumes.Single(v => v.Name == "workspace").PersistentVolumeClaim.ClaimName);
        var agent = Assert.Single(pod.Containers);
        Assert.Equal(RunChildren.AgentContainerName, agent.Name);
        var apiKey = agent.Env.Single(e => e.Name == "ANTHROPIC_API_KEY");
        Assert.Null(apiKey.Value);
        Assert.Equal(("orchestrator-secrets", "ANTHROPIC_API_KEY"), (apiKey.ValueFrom.SecretKeyRef.Name, apiKey.ValueFrom.SecretKeyRef.Key));
        Assert.Equal("1", agent.Resources.Requests["cpu"].ToString());
        Assert.Equal("4Gi", agent.Resources.Limits["memory"].ToString());
        Assert.Equal("/workspace/auth-service", agent.WorkingDir);
        Assert.Equal(3, job.Spec.BackoffLimit);
        Assert.Equal(3600, job.Spec.ActiveDeadlineSeconds);
        Assert.Equal(86400, job.Spec.TtlSecondsAfterFinished);
        Assert.True(pod.SecurityContext.RunAsNonRoot);
        Assert.Equal("RuntimeDefault", pod.SecurityContext.SeccompProfile.Type);
        foreach (var container in Enumerable.Concat<V1Container>(pod.InitContainers, pod.Containers))
        {
            Assert.False(container.SecurityContext.AllowPrivilegeEscalation);
            Assert.Equal(["ALL"], container.SecurityContext.Capabilities.Drop);
            Assert.True(container.SecurityContext.RunAsNonRoot);
        }

        var init = Assert.Single(pod.InitContainers);
        Assert.Equal(["/bin/sh", "-c", WorkspaceScript.Text], init.Command);
        Assert.Equal("busybox:1.36", init.Image);
        var claim = await fixture.Client.CoreV1.ReadNamespacedPersistentVolumeClaimAsync("auth-service-workspace-pvc", ns);
        Assert.Null(claim.Metadata.OwnerReferences);
    }

    [Fact]
    public async Task A_completed_Job_makes_the_TaskRun_Succeeded_and_raising_the_attempt_starts_a_new_run()
    {
        var ns = await fixture.CreateNamespaceAsync();
        await using var controller = new ControllerHarness(fixture, ns);
        await TaskRunClient.CreateAsync(fixture.Client, SeedTaskRun.Build(ns, "done"));
        await WaitForPhaseAsync(ns, "done", Phases.Running);

        await Cluster.FinishJobAsync(fixture.Client, ns, "done-run-1", "Complete");
        var succeeded = await WaitForPhaseAsync(ns, "done", Phases.Succeeded);
        Assert.Equal(ConditionReasons.Succeeded, Condition(succeeded, ConditionTypes.Succeeded)?.Reason);
        Assert.NotNull(succeeded.Status!.CompletionTime);

        await TaskRunClient.PatchSpecAsync(fixture.Client, ns, "done", """{"spec":{"retry":{"attempt":5}}}""");
        var rerun = await Eventually.HoldsAsync(() => TaskRunClient.GetAsync(fixture.Client, ns, "done"),
            t => t?.Status?.Attempt == 5 && t.Status.Phase == Phases.Running, "manual retry as run 5");
        Assert.Equal("done-run-5", rerun!.Status!.JobName);
        Assert.Equal(["done-run-1", "done-run-5"], (await Cluster.JobsAsync(fixture.Client, ns)).Select(j => j.Metadata.Name).Order());
    }

    [Fact]
    public async Task A_failed_Job_is_retried_after_the_backoff_until_the_retries_are_exhausted()
    {
        var ns = await fixture.CreateNamespaceAsync();
        await using var controller = new ControllerHarness(fixture, ns);
        await TaskRunClient.CreateAsync(fixture.Client, SeedTaskRun.Build(ns, "flaky"));
        await WaitForPhaseAsync(ns, "flaky", Phases.Running);

        await Cluster.FinishJobAsync(fixture.Client, ns, "flaky-run-1", "Failed", "BackoffLimitExceeded");
        var scheduled = await Eventually.HoldsAsync(() => TaskRunClient.GetAsync(fixture.Client, ns, "flaky"),
            t => Condition(t!, ConditionTypes.Succeeded)?.Reason == ConditionReasons.RetryScheduled, "a scheduled retry");
        Assert.NotNull(scheduled!.Status!.NextRetryTime);
        var run2 = await Eventually.HoldsAsync(() => TaskRunClient.GetAsync(fixture.Client, ns, "flaky"),
            t => t?.Status?.Attempt == 2 && t.Status.Phase == Phases.Running, "run 2");
        Assert.True(run2!.Status!.StartTime <= DateTime.UtcNow);

        await Cluster.FinishJobAsync(fixture.Client, ns, "flaky-run-2", "Failed", "DeadlineExceeded");
        await Eventually.HoldsAsync(() => TaskRunClient.GetAsync(fixture.Client, ns, "flaky"),
            t => t?.Status?.Attempt == 3 && t.Status.Phase == Phases.Running, "run 3 after a DeadlineExceeded");

        await Cluster.FinishJobAsync(fixture.Client, ns, "flaky-run-3", "Failed", "BackoffLimitExceeded");
        var failed = await WaitForPhaseAsync(ns, "flaky", Phases.Failed);
        Assert.Equal(ConditionReasons.RetriesExhausted, Condition(failed, ConditionTypes.Succeeded)?.Reason);
        Assert.Equal(3, (await Cluster.JobsAsync(fixture.Client, ns)).Count);
    }

    [Fact]
    public async Task Cancel_ends_the_TaskRun_Failed_Cancelled_and_stops_the_Job()
    {
        var ns = await fixture.CreateNamespaceAsync();
        await using var controller = new ControllerHarness(fixture, ns);
        await TaskRunClient.CreateAsync(fixture.Client, SeedTaskRun.Build(ns, "stop"));
        await WaitForPhaseAsync(ns, "stop", Phases.Running);

        await TaskRunClient.PatchSpecAsync(fixture.Client, ns, "stop", """{"spec":{"cancel":true}}""");

        var cancelled = await WaitForPhaseAsync(ns, "stop", Phases.Failed);
        Assert.Equal(ConditionReasons.Cancelled, Condition(cancelled, ConditionTypes.Succeeded)?.Reason);
        var job = await fixture.Client.BatchV1.ReadNamespacedJobAsync("stop-run-1", ns);
        Assert.Equal(1, job.Spec.ActiveDeadlineSeconds);
    }

    [Fact]
    public async Task A_TaskRun_that_bypassed_the_webhook_with_an_invalid_spec_fails_with_InvalidSpec_and_gets_no_Job()
    {
        var ns = await fixture.CreateNamespaceAsync();
        await using var controller = new ControllerHarness(fixture, ns);
        var invalid = SeedTaskRun.Build(ns, "invalid");
        // The schema allows these; only the validator forbids them.
        invalid.Spec.Files![0].Name = "CLAUDE.md";
        invalid.Spec.Files[1].Content = new string('x', 1_048_577);

        await TaskRunClient.CreateAsync(fixture.Client, invalid);

        var failed = await WaitForPhaseAsync(ns, "invalid", Phases.Failed);
        var condition = Condition(failed, ConditionTypes.Succeeded);
        Assert.Equal(ConditionReasons.InvalidSpec, condition?.Reason);
        Assert.Contains("spec.files[0].name", condition!.Message, StringComparison.Ordinal);
        Assert.Contains("1,048,576", condition.Message, StringComparison.Ordinal);
        Assert.Empty(await Cluster.JobsAsync(fixture.Client, ns));
        Assert.Empty(await Cluster.RunConfigMapsAsync(fixture.Client, ns));
    }

    [Fact]
    public async Task Deleting_a_TaskRun_deletes_its_children_and_spares_another_services_TaskRun_with_the_same_task_id()
    {
        var ns = await fixture.CreateNamespaceAsync();
        await using var controller = new ControllerHarness(fixture, ns);
        await TaskRunClient.CreateAsync(fixture.Client, SeedTaskRun.Build(ns, "auth-1001", "auth-service"));
        await TaskRunClient.CreateAsync(fixture.Client, SeedTaskRun.Build(ns, "billing-1001", "billing-service"));
        await WaitForPhaseAsync(ns, "auth-1001", Phases.Running);
        await Cluster.FinishJobAsync(fixture.Client, ns, "auth-1001-run-1", "Failed", "BackoffLimitExceeded");
        await Eventually.HoldsAsync(() => TaskRunClient.GetAsync(fixture.Client, ns, "auth-1001"), t => t?.Status?.Attempt == 2, "a second run");
        await WaitForPhaseAsync(ns, "billing-1001", Phases.Running);

        await TaskRunClient.DeleteAsync(fixture.Client, ns, "auth-1001");

        await Eventually.HoldsAsync(() => TaskRunClient.GetAsync(fixture.Client, ns, "auth-1001"), t => t is null, "the TaskRun gone after its finalizer");
        Assert.Equal(["billing-1001-run-1"], (await Cluster.JobsAsync(fixture.Client, ns)).Select(j => j.Metadata.Name));
        Assert.Equal(["billing-1001-run-1-files"], (await Cluster.RunConfigMapsAsync(fixture.Client, ns)).Select(c => c.Metadata.Name));
    }

    [Fact]
    public async Task A_simple_TaskRun_reaches_Succeeded_within_ten_reconciles_and_few_writes()
    {
        var ns = await fixture.CreateNamespaceAsync();
        await using var controller = new ControllerHarness(fixture, ns);
        await TaskRunClient.CreateAsync(fixture.Client, SeedTaskRun.Build(ns, "simple"));
        await WaitForPhaseAsync(ns, "simple", Phases.Running);
        await Cluster.FinishJobAsync(fixture.Client, ns, "simple-run-1", "Complete");
        await WaitForPhaseAsync(ns, "simple", Phases.Succeeded);
        // Let events that are still in flight arrive before counting.
        await Task.Delay(TimeSpan.FromSeconds(2));

        var reconciles = controller.Metrics.ReconcileCount;
        output.WriteLine($"reconciles: {reconciles}; API writes: {controller.Writes.Count}");
        foreach (var write in controller.Writes.Writes)
        {
            output.WriteLine(write);
        }

        Assert.InRange(reconciles, 2, 10);
        Assert.InRange(controller.Writes.Count, 5, 10);
    }

    [Fact]
    public async Task Every_condition_keeps_a_current_observedGeneration_and_Ready_follows_the_outcome()
    {
        var ns = await fixture.CreateNamespaceAsync();
        await using var controller = new ControllerHarness(fixture, ns);
        await TaskRunClient.CreateAsync(fixture.Client, SeedTaskRun.Build(ns, "gen"));
        var running = await WaitForPhaseAsync(ns, "gen", Phases.Running);
        Assert.Equal(("Unknown", ConditionReasons.Running), (Condition(running, ConditionTypes.Ready)?.Status, Condition(running, ConditionTypes.Ready)?.Reason));

        await TaskRunClient.PatchSpecAsync(fixture.Client, ns, "gen", """{"spec":{"timeoutSeconds":600}}""");
        await TaskRunClient.PatchSpecAsync(fixture.Client, ns, "gen", """{"spec":{"timeoutSeconds":700}}""");
        var edited = await Eventually.HoldsAsync(() => TaskRunClient.GetAsync(fixture.Client, ns, "gen"),
            t => t?.Metadata.Generation == 3 && t.Status?.ObservedGeneration == 3, "observedGeneration 3 while running");
        Assert.All(edited!.Status!.Conditions!, c => Assert.Equal(3, c.ObservedGeneration));

        await Cluster.FinishJobAsync(fixture.Client, ns, "gen-run-1", "Complete");
        var succeeded = await WaitForPhaseAsync(ns, "gen", Phases.Succeeded);
        Assert.Equal(("True", ConditionReasons.Succeeded), (Condition(succeeded, ConditionTypes.Ready)?.Status, Condition(succeeded, ConditionTypes.Ready)?.Reason));

        // A spec edit on a finished TaskRun starts nothing, but its status says it was seen.
        await TaskRunClient.PatchSpecAsync(fixture.Client, ns, "gen", """{"spec":{"priority":"low"}}""");
        var finished = await Eventually.HoldsAsync(() => TaskRunClient.GetAsync(fixture.Client, ns, "gen"),
            t => t?.Status?.ObservedGeneration == 4, "observedGeneration 4 once finished");
        Assert.All(finished!.Status!.Conditions!, c => Assert.Equal(4, c.ObservedGeneration));
        Assert.Equal(Phases.Succeeded, finished.Status.Phase);
        Assert.Single(await Cluster.JobsAsync(fixture.Client, ns));
    }

    private async Task<V2TaskRun> WaitForPhaseAsync(string ns, string name, string phase) =>
        (await Eventually.HoldsAsync(() => TaskRunClient.GetAsync(fixture.Client, ns, name), t => t?.Status?.Phase == phase, $"{name} {phase}"))!;

    private static V1Condition? Condition(V2TaskRun taskRun, string type) => StatusConditions.Find(taskRun.Status?.Conditions, type);
}
