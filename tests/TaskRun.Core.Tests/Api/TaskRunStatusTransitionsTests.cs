using System.Reflection;
using TaskRun.Core.Api;
using TaskRun.Core.Serialization;
using Xunit;

namespace TaskRun.Core.Tests.Api;

/// <summary>Each transition changes only the fields it names; every other field, one added later included, is carried over.</summary>
public sealed class TaskRunStatusTransitionsTests
{
    private static readonly DateTime Now = FullyPopulated.Time.AddHours(1);

    public static TheoryData<string> Transitions { get; } = new(Apply.Keys);

    private static Dictionary<string, (Func<TaskRunStatus, TaskRunStatus> Make, string[] Changes)> Apply => new()
    {
        ["Clone"] = (s => s.Clone(), []),
        ["StartingRun"] = (s => s.StartingRun(2, 0, 2, Now), ["Attempt", "RetryCount", "NextRetryTime", "CompletionTime", "AgentMessage", "ObservedRetryAttempt"]),
        ["ChildrenCreated"] = (s => s.ChildrenCreated("x-run-2-files", "x-run-2", 2, Now), ["Conditions"]),
        ["Running"] = (s => s.Running(2, "x-run-2-files", "x-run-2", "run 2 started", 2, Now), ["Phase", "Attempt", "ConfigMapName", "JobName", "Message", "Conditions"]),
        ["RetryScheduled"] = (s => s.RetryScheduled("retry 1 of 3", Now.AddSeconds(10), 2, Now), ["Phase", "Message", "NextRetryTime", "Conditions"]),
        ["Finished"] = (s => s.Finished(Phases.Succeeded, ConditionReasons.Succeeded, "run 1 succeeded", 1, 2, Now), ["Phase", "Message", "CompletionTime", "NextRetryTime", "Conditions"]),
        ["FailedTerminally"] = (s => s.FailedTerminally(3, ConditionReasons.NameConflict, "taken", 3, 2, Now), ["Phase", "Message", "Attempt", "NextRetryTime", "CompletionTime", "ObservedRetryAttempt", "Conditions"]),
        ["WaitingForDependencies"] = (s => s.WaitingForDependencies("waiting", [], 2, Now), ["Phase", "Message", "Dependencies", "Conditions"]),
        ["DependenciesMet"] = (s => s.DependenciesMet(ConditionReasons.DependenciesSucceeded, "ready", [], 2, Now), ["Dependencies", "Conditions"]),
        ["FailedOnDependencies"] = (s => s.FailedOnDependencies(ConditionReasons.DependencyFailed, "failed", [], 3, 2, Now), ["Phase", "Message", "CompletionTime", "NextRetryTime", "Dependencies", "ObservedRetryAttempt", "Conditions"]),
        ["Queued"] = (s => s.Queued("queued at position 1 of 1", 2, Now), ["Phase", "Message", "Conditions"]),
    };

    [Fact]
    public void The_fully_populated_status_sets_every_field()
    {
        Assert.Empty(FullyPopulated.UnsetProperties(FullyPopulated.Status()));
    }

    [Theory]
    [MemberData(nameof(Transitions))]
    public void A_transition_carries_over_every_field_it_does_not_name_and_leaves_the_original_untouched(string transition)
    {
        var (make, changes) = Apply[transition];
        var original = FullyPopulated.Status();
        var before = KubeJson.Serialize(original);

        var next = make(original);

        Assert.NotSame(original, next);
        Assert.Equal(before, KubeJson.Serialize(original));
        foreach (var property in typeof(TaskRunStatus).GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => !changes.Contains(p.Name)))
        {
            Assert.True(KubeJson.Serialize(property.GetValue(original)) == KubeJson.Serialize(property.GetValue(next)), $"{transition} changed {property.Name}");
        }
    }

    [Fact]
    public void A_clone_has_its_own_conditions_list()
    {
        var original = FullyPopulated.Status();

        var copy = original.Clone();
        copy.Conditions!.Clear();

        Assert.Single(original.Conditions!);
    }

    [Fact]
    public void Starting_a_run_keeps_the_first_runs_start_time_and_sets_one_on_the_first()
    {
        Assert.Equal(FullyPopulated.Time, FullyPopulated.Status().StartingRun(2, 0, 2, Now).StartTime);
        Assert.Equal(Now, new TaskRunStatus().StartingRun(1, 0, 1, Now).StartTime);
    }

    [Fact]
    public void An_unchanged_running_state_keeps_its_message_and_condition()
    {
        var running = new TaskRunStatus().Running(1, "x-run-1-files", "x-run-1", "run 1 started (Job x-run-1)", 1, FullyPopulated.Time);

        var again = running.Running(1, "x-run-1-files", "x-run-1", "run 1 is running (Job x-run-1)", 1, Now);

        Assert.Equal(KubeJson.Serialize(running), KubeJson.Serialize(again));
    }

    [Fact]
    public void Finishing_records_the_retry_attempt_only_when_none_is_recorded_and_failing_terminally_always_does()
    {
        var status = new TaskRunStatus { ObservedRetryAttempt = 4 };

        Assert.Equal(4, status.Finished(Phases.Failed, ConditionReasons.Cancelled, "cancelled", 1, 1, Now).ObservedRetryAttempt);
        Assert.Equal(1, new TaskRunStatus().Finished(Phases.Failed, ConditionReasons.Cancelled, "cancelled", 1, 1, Now).ObservedRetryAttempt);
        Assert.Equal(1, status.FailedTerminally(null, ConditionReasons.InvalidSpec, "invalid", 1, 1, Now).ObservedRetryAttempt);
    }

    [Fact]
    public void Failing_terminally_without_a_run_keeps_the_attempt_and_a_scheduled_retry()
    {
        var failed = FullyPopulated.Status().FailedTerminally(null, ConditionReasons.InvalidSpec, "invalid", 1, 1, Now);

        Assert.Equal((1, FullyPopulated.Time.AddMinutes(2)), (failed.Attempt, failed.NextRetryTime));
        Assert.Equal(("False", ConditionReasons.InvalidSpec), (StatusConditions.Find(failed.Conditions, ConditionTypes.Succeeded)?.Status, StatusConditions.Find(failed.Conditions, ConditionTypes.Succeeded)?.Reason));
    }
}
