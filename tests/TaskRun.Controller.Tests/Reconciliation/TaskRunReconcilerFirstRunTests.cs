using TaskRun.Controller.Reconciliation;
using TaskRun.Core.Api;
using TaskRun.Core.Config;
using TaskRun.Runtime;
using Xunit;
using static TaskRun.Controller.Tests.Reconciliation.ReconcilerTestBed;

namespace TaskRun.Controller.Tests.Reconciliation;

/// <summary>A new TaskRun's first reconciles: what it creates, and what keeps it from starting.</summary>
public sealed class TaskRunReconcilerFirstRunTests
{
    [Fact]
    public async Task A_new_TaskRun_gets_the_finalizer_its_ConfigMap_and_Job_and_is_Running()
    {
        var bed = new ReconcilerTestBed();
        var created = bed.Create();

        var result = await bed.ReconcileAsync();

        Assert.Equal(ReconcileResult.Done, result);
        var taskRun = bed.TaskRun();
        Assert.Contains(TaskRunApi.Finalizer, taskRun.Metadata.Finalizers!);
        Assert.True(Ownership.IsControlledBy(bed.ConfigMap(ConfigMap1), created.Metadata.Uid));
        Assert.True(Ownership.IsControlledBy(bed.Job(Job1), created.Metadata.Uid));
        var status = taskRun.Status!;
        Assert.Equal((Phases.Running, 1, 0, 1, 1L), (status.Phase, status.Attempt, status.RetryCount, status.ObservedRetryAttempt, status.ObservedGeneration));
        Assert.Equal((ConfigMap1, Job1), (status.ConfigMapName, status.JobName));
        Assert.Equal(bed.Now, status.StartTime);
        Assert.Equal("True", bed.Condition(ConditionTypes.ConfigMapReady)?.Status);
        Assert.Equal("True", bed.Condition(ConditionTypes.JobCreated)?.Status);
        Assert.Equal(("Unknown", ConditionReasons.Running), (bed.Condition(ConditionTypes.Succeeded)?.Status, bed.Condition(ConditionTypes.Succeeded)?.Reason));
        Assert.Equal("Unknown", bed.Condition(ConditionTypes.Ready)?.Status);
        var started = Assert.Single(bed.Events.Events);
        Assert.Equal((EventRecorder.Normal, "RunStarted"), (started.Type, started.Reason));
        Assert.NotNull(bed.Cache.Jobs.Get(ReconcilerTestBed.Key(Job1)));
    }

    [Fact]
    public async Task Reconciling_a_running_TaskRun_again_writes_nothing_and_reads_nothing_live()
    {
        var bed = new ReconcilerTestBed();
        await bed.CreateRunningAsync();
        var writes = bed.TaskRunWriter.StatusWrites.Count;
        var reads = (bed.TaskRunWriter.FullReads, bed.Children.JobReads);

        var result = await bed.ReconcileAsync();

        Assert.Equal(ReconcileResult.Done, result);
        Assert.Equal(writes, bed.TaskRunWriter.StatusWrites.Count);
        Assert.Equal(reads, (bed.TaskRunWriter.FullReads, bed.Children.JobReads));
        Assert.Equal(0, bed.AgentOutcomes.Reads);
        Assert.Single(bed.Events.Events);
    }

    [Fact]
    public async Task A_TaskRun_gone_from_the_cache_is_done_without_a_write()
    {
        var bed = new ReconcilerTestBed();

        var result = await bed.ReconcileAsync();

        Assert.Equal(ReconcileResult.Done, result);
        Assert.Empty(bed.TaskRunWriter.StatusWrites);
        Assert.Empty(bed.Server.List<k8s.Models.V1Job>());
    }

    [Fact]
    public async Task An_invalid_spec_fails_the_TaskRun_without_creating_children()
    {
        var bed = new ReconcilerTestBed();
        bed.Create(t => t.Spec.TaskId = 0);

        await bed.ReconcileAsync();

        var status = bed.Status();
        Assert.Equal(Phases.Failed, status.Phase);
        Assert.Null(status.Attempt);
        Assert.StartsWith("invalid spec, no Job created: ", status.Message);
        Assert.Contains("spec.taskId", status.Message);
        Assert.Equal(("False", ConditionReasons.InvalidSpec), (bed.Condition(ConditionTypes.Succeeded)?.Status, bed.Condition(ConditionTypes.Succeeded)?.Reason));
        Assert.Empty(bed.Server.List<k8s.Models.V1Job>());
        Assert.Empty(bed.Server.List<k8s.Models.V1ConfigMap>());
        var failed = Assert.Single(bed.Events.Events);
        Assert.Equal((EventRecorder.Warning, ConditionReasons.InvalidSpec), (failed.Type, failed.Reason));

        await bed.ReconcileAsync();

        Assert.Single(bed.TaskRunWriter.StatusWrites);
        Assert.Single(bed.Events.Events);
    }

    [Fact]
    public async Task While_the_config_fails_closed_nothing_is_written_and_the_TaskRun_is_looked_at_again_later()
    {
        var bed = new ReconcilerTestBed { ConfigBlocked = "the config ConfigMap is invalid" };
        bed.Create();

        var result = await bed.ReconcileAsync();

        Assert.Equal(TaskRunReconciler.BlockedRecheck, result.RequeueAfter);
        Assert.Null(bed.TaskRun().Metadata.Finalizers);
        Assert.Null(bed.TaskRun().Status);
        Assert.Empty(bed.Server.List<k8s.Models.V1Job>());

        bed.ConfigBlocked = null;
        await bed.ReconcileAsync();

        Assert.Equal(Phases.Running, bed.Status().Phase);
    }

    [Fact]
    public async Task A_workspace_claim_of_another_application_fails_the_run_before_anything_is_created()
    {
        var bed = new ReconcilerTestBed();
        bed.Children.Workspace = WorkspaceClaim.Foreign;
        bed.Create();

        await bed.ReconcileAsync();

        Assert.Equal((Phases.Failed, 1), (bed.Status().Phase, bed.Status().Attempt));
        Assert.Equal(ConditionReasons.WorkspaceNotAllowed, bed.Condition(ConditionTypes.Succeeded)?.Reason);
        Assert.Empty(bed.Server.List<k8s.Models.V1ConfigMap>());
        Assert.Empty(bed.Server.List<k8s.Models.V1Job>());
    }

    [Fact]
    public async Task A_run_without_a_free_slot_is_Queued_and_starts_when_a_slot_frees()
    {
        var bed = new ReconcilerTestBed(new ControllerConfig { Scheduling = new SchedulingConfig { MaxActiveRuns = 1 } }, withAdmissions: true);
        bed.Create(name: "first");
        await bed.ReconcileAsync("first");
        bed.Create(name: "second");
        var queuedAt = bed.Now;

        await bed.ReconcileAsync("second");

        Assert.Equal(Phases.Queued, bed.Status("second").Phase);
        Assert.Equal(("False", ConditionReasons.Queued), (bed.Condition(ConditionTypes.Scheduled, "second")?.Status, bed.Condition(ConditionTypes.Scheduled, "second")?.Reason));
        Assert.Null(bed.Job("second-run-1"));
        Assert.Contains(bed.Events.Events, e => e.TaskRun == "second" && e.Reason == ConditionReasons.Queued);

        bed.Time.Advance(TimeSpan.FromSeconds(30));
        bed.FinishJob("first-run-1", "Complete");
        await bed.ReconcileAsync("second");

        Assert.Equal(Phases.Running, bed.Status("second").Phase);
        Assert.Equal(("True", ConditionReasons.Admitted), (bed.Condition(ConditionTypes.Scheduled, "second")?.Status, bed.Condition(ConditionTypes.Scheduled, "second")?.Reason));
        Assert.Equal(bed.Now - queuedAt, Assert.Single(bed.Metrics.QueueWaits));
        Assert.Contains(bed.Events.Events, e => e.TaskRun == "second" && e.Reason == ConditionReasons.Admitted);
    }

    [Fact]
    public async Task A_TaskRun_waits_for_its_dependency_and_starts_once_it_succeeded()
    {
        var bed = new ReconcilerTestBed();
        bed.Create(name: "build");
        bed.Create(t => t.Spec.DependsOn = ["build"], name: "deploy");

        await bed.ReconcileAsync("deploy");

        Assert.Equal(Phases.Waiting, bed.Status("deploy").Phase);
        Assert.Equal(("False", ConditionReasons.Waiting), (bed.Condition(ConditionTypes.DependenciesReady, "deploy")?.Status, bed.Condition(ConditionTypes.DependenciesReady, "deploy")?.Reason));
        Assert.Null(bed.Job("deploy-run-1"));

        await bed.ReconcileAsync("build");
        bed.FinishJob("build-run-1", "Complete");
        await bed.ReconcileAsync("build");
        await bed.ReconcileAsync("deploy");

        Assert.Equal(Phases.Running, bed.Status("deploy").Phase);
        Assert.Equal("True", bed.Condition(ConditionTypes.DependenciesReady, "deploy")?.Status);
        Assert.NotNull(bed.Job("deploy-run-1"));
    }
}
