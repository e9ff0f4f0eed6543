using k8s.Models;
using TaskRun.Controller.Reconciliation;
using TaskRun.Core.Api;
using TaskRun.Runtime;
using Xunit;
using static TaskRun.Controller.Tests.Reconciliation.ReconcilerTestBed;

namespace TaskRun.Controller.Tests.Reconciliation;

/// <summary>Children lost, taken by another object, and cleaned up with the finalizer.</summary>
public sealed class TaskRunReconcilerChildrenTests
{
    [Fact]
    public async Task Deleting_a_TaskRun_deletes_its_children_then_removes_the_finalizer()
    {
        var bed = new ReconcilerTestBed();
        var running = await bed.CreateRunningAsync();
        var writes = bed.TaskRunWriter.StatusWrites.Count;

        bed.Delete();
        var result = await bed.ReconcileAsync();

        Assert.Equal(ReconcileResult.Done, result);
        Assert.Equal(running.Metadata.Uid, Assert.Single(bed.Children.CleanedUpUids));
        Assert.Null(bed.Job(Job1));
        Assert.Null(bed.ConfigMap(ConfigMap1));
        Assert.DoesNotContain(TaskRunApi.Finalizer, bed.TaskRun().Metadata.Finalizers ?? []);
        Assert.Equal(writes, bed.TaskRunWriter.StatusWrites.Count);
    }

    [Fact]
    public async Task Deleting_is_handled_even_while_the_config_fails_closed()
    {
        var bed = new ReconcilerTestBed();
        await bed.CreateRunningAsync();
        bed.ConfigBlocked = "invalid config";

        bed.Delete();
        await bed.ReconcileAsync();

        Assert.Null(bed.Job(Job1));
        Assert.DoesNotContain(TaskRunApi.Finalizer, bed.TaskRun().Metadata.Finalizers ?? []);
    }

    [Fact]
    public async Task A_deleted_TaskRun_without_the_finalizer_is_left_alone()
    {
        var bed = new ReconcilerTestBed { ConfigBlocked = "keeps the finalizer off" };
        bed.Create();
        await bed.ReconcileAsync();

        bed.Delete();
        await bed.ReconcileAsync();

        Assert.Empty(bed.Children.CleanedUpUids);
    }

    [Fact]
    public async Task A_Job_deleted_under_a_running_run_is_put_back_for_the_same_run()
    {
        var bed = new ReconcilerTestBed();
        var running = await bed.CreateRunningAsync();

        bed.DeleteJob(Job1);
        await bed.ReconcileAsync();

        Assert.True(Ownership.IsControlledBy(bed.Job(Job1), running.Metadata.Uid));
        Assert.Equal((Phases.Running, 1), (bed.Status().Phase, bed.Status().Attempt));
        Assert.Equal("RunRestored", bed.Events.Events[^1].Reason);
    }

    [Fact]
    public async Task A_ConfigMap_deleted_under_a_running_Job_is_not_rewritten_the_Job_keeps_the_files_it_started_with()
    {
        var bed = new ReconcilerTestBed();
        await bed.CreateRunningAsync();
        var writes = bed.TaskRunWriter.StatusWrites.Count;

        bed.DeleteConfigMap(ConfigMap1);
        await bed.ReconcileAsync();

        Assert.Null(bed.ConfigMap(ConfigMap1));
        Assert.Equal(writes, bed.TaskRunWriter.StatusWrites.Count);
    }

    [Fact]
    public async Task When_both_children_are_deleted_under_a_running_run_both_are_put_back()
    {
        var bed = new ReconcilerTestBed();
        await bed.CreateRunningAsync();

        bed.DeleteConfigMap(ConfigMap1);
        bed.DeleteJob(Job1);
        await bed.ReconcileAsync();

        Assert.NotNull(bed.ConfigMap(ConfigMap1));
        Assert.NotNull(bed.Job(Job1));
    }

    [Fact]
    public async Task A_Job_name_held_by_another_object_fails_the_run_with_NameConflict_and_leaves_that_object_alone()
    {
        var bed = new ReconcilerTestBed();
        bed.PutForeign(new V1Job { ApiVersion = "batch/v1", Kind = V1Job.KubeKind, Metadata = new V1ObjectMeta { Name = Job1 } });
        bed.Create();

        await bed.ReconcileAsync();

        Assert.Equal((Phases.Failed, 1), (bed.Status().Phase, bed.Status().Attempt));
        Assert.Equal(ConditionReasons.NameConflict, bed.Condition(ConditionTypes.Succeeded)?.Reason);
        Assert.StartsWith($"Job {ReconcilerTestBed.Namespace}/{Job1} already exists and is not controlled by this TaskRun", bed.Status().Message);
        Assert.Equal("other-uid", bed.Job(Job1)!.Metadata.OwnerReferences.Single().Uid);
        Assert.Null(bed.ConfigMap(ConfigMap1));
        Assert.Equal((EventRecorder.Warning, ConditionReasons.NameConflict), (bed.Events.Events[^1].Type, bed.Events.Events[^1].Reason));

        await bed.ReconcileAsync();

        Assert.Single(bed.Events.Events);
    }

    [Fact]
    public async Task A_ConfigMap_name_held_by_another_object_fails_the_run_with_NameConflict_before_the_Job()
    {
        var bed = new ReconcilerTestBed();
        bed.PutForeign(new V1ConfigMap { ApiVersion = "v1", Kind = V1ConfigMap.KubeKind, Metadata = new V1ObjectMeta { Name = ConfigMap1 }, Data = new Dictionary<string, string> { ["x"] = "theirs" } });
        bed.Create();

        await bed.ReconcileAsync();

        Assert.Equal(ConditionReasons.NameConflict, bed.Condition(ConditionTypes.Succeeded)?.Reason);
        Assert.StartsWith($"ConfigMap {ReconcilerTestBed.Namespace}/{ConfigMap1} already exists", bed.Status().Message);
        Assert.Equal("theirs", bed.ConfigMap(ConfigMap1)!.Data["x"]);
        Assert.Null(bed.Job(Job1));
    }

    [Fact]
    public async Task A_running_runs_Job_replaced_by_another_objects_fails_the_run_with_NameConflict()
    {
        var bed = new ReconcilerTestBed();
        await bed.CreateRunningAsync();

        bed.DeleteJob(Job1);
        bed.PutForeign(new V1Job { ApiVersion = "batch/v1", Kind = V1Job.KubeKind, Metadata = new V1ObjectMeta { Name = Job1 } });
        await bed.ReconcileAsync();

        Assert.Equal((Phases.Failed, 1), (bed.Status().Phase, bed.Status().Attempt));
        Assert.Equal(ConditionReasons.NameConflict, bed.Condition(ConditionTypes.Succeeded)?.Reason);
        Assert.Empty(bed.Children.StoppedJobs);
    }
}
