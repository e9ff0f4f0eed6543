using TaskRun.Controller.Reconciliation;
using TaskRun.Core.Api;
using TaskRun.Core.Config;
using TaskRun.Runtime;
using Xunit;
using static TaskRun.Controller.Tests.Reconciliation.ReconcilerTestBed;

namespace TaskRun.Controller.Tests.Reconciliation;

/// <summary>A finished Job's outcome, per reason, as the TaskRun's status, Events and metrics.</summary>
public sealed class TaskRunReconcilerOutcomeTests
{
    [Fact]
    public async Task A_completed_Job_makes_the_TaskRun_Succeeded_quoting_the_agents_last_words()
    {
        var bed = new ReconcilerTestBed();
        await bed.CreateRunningAsync();
        bed.Time.Advance(TimeSpan.FromMinutes(5));
        bed.AgentOutcomes.Next = new AgentOutcome("all tests pass", null);
        bed.FinishJob(Job1, "Complete");

        var result = await bed.ReconcileAsync();

        Assert.Equal(ReconcileResult.Done, result);
        var status = bed.Status();
        Assert.Equal((Phases.Succeeded, bed.Now, "all tests pass"), (status.Phase, status.CompletionTime, status.AgentMessage));
        Assert.Equal("run 1 succeeded; the agent said: all tests pass", status.Message);
        Assert.Equal(("True", ConditionReasons.Succeeded), (bed.Condition(ConditionTypes.Succeeded)?.Status, bed.Condition(ConditionTypes.Succeeded)?.Reason));
        Assert.Equal("True", bed.Condition(ConditionTypes.Ready)?.Status);
        Assert.Equal((EventRecorder.Normal, ConditionReasons.Succeeded), (bed.Events.Events[^1].Type, bed.Events.Events[^1].Reason));
    }

    [Fact]
    public async Task The_agents_result_is_recorded_once_with_its_cost_added_to_the_total()
    {
        var bed = new ReconcilerTestBed();
        await bed.CreateRunningAsync();
        var result = new AgentResultStatus { Run = 1, CostUsd = 0.25, Turns = 7, IsError = false, Summary = "done" };
        bed.AgentOutcomes.Next = new AgentOutcome(null, result);
        bed.FinishJob(Job1, "Complete");

        await bed.ReconcileAsync();
        await bed.ReconcileAsync();

        Assert.Equal((0.25, 7), (bed.Status().TotalCostUsd, bed.Status().Result?.Turns));
        Assert.Equal("run 1 succeeded; the agent said: done", bed.Status().Message);
        Assert.Single(bed.Metrics.AgentResults);
    }

    [Fact]
    public async Task A_Job_that_completed_while_the_agent_reported_an_error_fails_the_TaskRun()
    {
        var bed = new ReconcilerTestBed();
        await bed.CreateRunningAsync();
        bed.AgentOutcomes.Next = new AgentOutcome(null, new AgentResultStatus { Run = 1, IsError = true, Summary = "rate limited" });
        bed.FinishJob(Job1, "Complete");

        await bed.ReconcileAsync();

        Assert.Equal(Phases.Failed, bed.Status().Phase);
        Assert.Equal(ConditionReasons.Failed, bed.Condition(ConditionTypes.Succeeded)?.Reason);
        Assert.Contains($"{AgentOutcome.AgentErrorReason} is not in retry.retryOn", bed.Status().Message);
        Assert.Contains("the agent said: rate limited", bed.Status().Message);
        Assert.Equal(EventRecorder.Warning, bed.Events.Events[^1].Type);
    }

    [Theory]
    [InlineData(RetryConfig.BackoffLimitExceeded, ConditionReasons.Failed)]
    [InlineData(RetryConfig.DeadlineExceeded, ConditionReasons.TimedOut)]
    [InlineData("PodFailurePolicy", ConditionReasons.Failed)]
    public async Task A_failure_whose_reason_is_not_retried_ends_the_TaskRun_with_its_reason(string jobReason, string expected)
    {
        var bed = new ReconcilerTestBed(new ControllerConfig { Retry = new RetryConfig { RetryOn = [] } });
        await bed.CreateRunningAsync();
        bed.FinishJob(Job1, "Failed", jobReason, "the Job controller's words");

        await bed.ReconcileAsync();

        var status = bed.Status();
        Assert.Equal((Phases.Failed, bed.Now), (status.Phase, status.CompletionTime));
        Assert.Null(status.NextRetryTime);
        Assert.Equal(("False", expected), (bed.Condition(ConditionTypes.Succeeded)?.Status, bed.Condition(ConditionTypes.Succeeded)?.Reason));
        Assert.Equal($"run 1 failed: Job {Job1} {jobReason} (the Job controller's words); {jobReason} is not in retry.retryOn", status.Message);
        Assert.Equal((EventRecorder.Warning, expected), (bed.Events.Events[^1].Type, bed.Events.Events[^1].Reason));
    }

    [Fact]
    public async Task The_Job_carries_the_TaskRuns_timeout_and_running_past_it_is_retried_by_default()
    {
        var bed = new ReconcilerTestBed();
        await bed.CreateRunningAsync(t => t.Spec.TimeoutSeconds = 120);
        Assert.Equal(120, bed.Job(Job1)!.Spec.ActiveDeadlineSeconds);
        bed.FinishJob(Job1, "Failed", RetryConfig.DeadlineExceeded);

        await bed.ReconcileAsync();

        Assert.Equal(Phases.Pending, bed.Status().Phase);
        Assert.Equal(ConditionReasons.RetryScheduled, bed.Condition(ConditionTypes.Succeeded)?.Reason);
    }
}
