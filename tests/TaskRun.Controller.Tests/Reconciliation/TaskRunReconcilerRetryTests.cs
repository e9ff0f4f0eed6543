using TaskRun.Controller.Reconciliation;
using TaskRun.Core.Api;
using TaskRun.Core.Config;
using TaskRun.Runtime;
using Xunit;
using static TaskRun.Controller.Tests.Reconciliation.ReconcilerTestBed;

namespace TaskRun.Controller.Tests.Reconciliation;

/// <summary>Automatic retries with backoff and jitter, manual retries (retry.attempt) and cancel.</summary>
public sealed class TaskRunReconcilerRetryTests
{
    /// <summary>base 10 s, first retry: 10 s, half of it fixed and half drawn (equal jitter).</summary>
    [Theory]
    [InlineData(0.0, 5_000)]
    [InlineData(0.5, 7_500)]
    [InlineData(0.999, 9_995)]
    public async Task A_retryable_failure_schedules_the_next_run_after_a_jittered_backoff_within_its_bounds(double jitter, int expectedMilliseconds)
    {
        var bed = new ReconcilerTestBed();
        bed.Jitter.Value = jitter;
        await bed.CreateRunningAsync();
        bed.FinishJob(Job1, "Failed", RetryConfig.BackoffLimitExceeded);

        var result = await bed.ReconcileAsync();

        var delay = TimeSpan.FromMilliseconds(expectedMilliseconds);
        Assert.Equal(delay, result.RequeueAfter);
        var status = bed.Status();
        Assert.Equal((Phases.Pending, bed.Now + delay, 0), (status.Phase, status.NextRetryTime, status.RetryCount));
        Assert.Equal(("Unknown", ConditionReasons.RetryScheduled), (bed.Condition(ConditionTypes.Succeeded)?.Status, bed.Condition(ConditionTypes.Succeeded)?.Reason));
        Assert.EndsWith($"retry 1 of 3 in {delay.TotalSeconds:0.#}s", status.Message);
        Assert.Equal((EventRecorder.Warning, ConditionReasons.RetryScheduled), (bed.Events.Events[^1].Type, bed.Events.Events[^1].Reason));
    }

    [Fact]
    public async Task Before_the_retry_is_due_the_TaskRun_is_looked_at_again_when_it_is_and_nothing_is_written()
    {
        var bed = new ReconcilerTestBed();
        await bed.CreateRunningAsync();
        bed.FinishJob(Job1, "Failed", RetryConfig.BackoffLimitExceeded);
        await bed.ReconcileAsync();
        var writes = bed.TaskRunWriter.StatusWrites.Count;

        bed.Time.Advance(TimeSpan.FromSeconds(3));
        var result = await bed.ReconcileAsync();

        Assert.Equal(TimeSpan.FromSeconds(4.5), result.RequeueAfter);
        Assert.Equal(writes, bed.TaskRunWriter.StatusWrites.Count);
        Assert.Null(bed.Job(Job2));
    }

    [Fact]
    public async Task When_the_retry_is_due_the_next_run_starts_with_its_own_children()
    {
        var bed = new ReconcilerTestBed();
        var running = await bed.CreateRunningAsync();
        bed.FinishJob(Job1, "Failed", RetryConfig.BackoffLimitExceeded);
        await bed.ReconcileAsync();

        bed.Time.Advance(TimeSpan.FromSeconds(8));
        await bed.ReconcileAsync();

        var status = bed.Status();
        Assert.Equal((Phases.Running, 2, 1, Job2), (status.Phase, status.Attempt, status.RetryCount, status.JobName));
        Assert.Null(status.NextRetryTime);
        Assert.Equal(running.Status!.StartTime, status.StartTime);
        Assert.NotNull(bed.Job(Job2));
        Assert.NotNull(bed.ConfigMap(Job2 + "-files"));
        Assert.Equal("RetryStarted", bed.Events.Events[^1].Reason);
    }

    [Fact]
    public async Task Each_retry_doubles_the_backoff_up_to_maxDelay()
    {
        var bed = new ReconcilerTestBed(new ControllerConfig { Retry = new RetryConfig { BaseDelaySeconds = 10, MaxDelaySeconds = 15 } });
        bed.Jitter.Value = 0.0;
        await bed.CreateRunningAsync();
        bed.FinishJob(Job1, "Failed", RetryConfig.BackoffLimitExceeded);
        var first = await bed.ReconcileAsync();
        bed.Time.Advance(first.RequeueAfter!.Value);
        await bed.ReconcileAsync();
        bed.FinishJob(Job2, "Failed", RetryConfig.BackoffLimitExceeded);

        var second = await bed.ReconcileAsync();

        Assert.Equal(TimeSpan.FromSeconds(5), first.RequeueAfter);
        Assert.Equal(TimeSpan.FromSeconds(7.5), second.RequeueAfter);
    }

    [Fact]
    public async Task When_every_automatic_retry_is_used_the_TaskRun_fails_with_RetriesExhausted()
    {
        var bed = new ReconcilerTestBed();
        await bed.CreateRunningAsync(t => t.Spec.Retry!.MaxRetries = 1);
        bed.FinishJob(Job1, "Failed", RetryConfig.BackoffLimitExceeded);
        bed.Time.Advance((await bed.ReconcileAsync()).RequeueAfter!.Value);
        await bed.ReconcileAsync();
        bed.FinishJob(Job2, "Failed", RetryConfig.BackoffLimitExceeded);

        var result = await bed.ReconcileAsync();

        Assert.Equal(ReconcileResult.Done, result);
        var status = bed.Status();
        Assert.Equal((Phases.Failed, 2, 1), (status.Phase, status.Attempt, status.RetryCount));
        Assert.Equal(ConditionReasons.RetriesExhausted, bed.Condition(ConditionTypes.Succeeded)?.Reason);
        Assert.EndsWith("all 1 automatic retries used", status.Message);
        Assert.Equal((EventRecorder.Warning, ConditionReasons.RetriesExhausted), (bed.Events.Events[^1].Type, bed.Events.Events[^1].Reason));
    }

    [Fact]
    public async Task Raising_retry_attempt_on_a_finished_TaskRun_starts_a_new_run()
    {
        var bed = new ReconcilerTestBed();
        var running = await bed.CreateRunningAsync();
        bed.FinishJob(Job1, "Complete");
        await bed.ReconcileAsync();
        Assert.Equal(Phases.Succeeded, bed.Status().Phase);

        bed.UpdateSpec(spec => spec.Retry!.Attempt = 2);
        await bed.ReconcileAsync();

        var status = bed.Status();
        Assert.Equal((Phases.Running, 2, 0, 2, 2L), (status.Phase, status.Attempt, status.RetryCount, status.ObservedRetryAttempt, status.ObservedGeneration));
        Assert.Null(status.CompletionTime);
        Assert.Equal(running.Status!.StartTime, status.StartTime);
        Assert.NotNull(bed.Job(Job2));
        Assert.Equal("ManualRetry", bed.Events.Events[^1].Reason);
        Assert.Empty(bed.Children.StoppedJobs);
    }

    [Fact]
    public async Task Raising_retry_attempt_during_a_run_stops_its_Job_and_starts_the_next()
    {
        var bed = new ReconcilerTestBed();
        await bed.CreateRunningAsync();

        bed.UpdateSpec(spec => spec.Retry!.Attempt = 5);
        await bed.ReconcileAsync();

        Assert.Equal(Job1, Assert.Single(bed.Children.StoppedJobs));
        Assert.Equal((Phases.Running, 5, 5), (bed.Status().Phase, bed.Status().Attempt, bed.Status().ObservedRetryAttempt));
        Assert.NotNull(bed.Job(ReconcilerTestBed.Name + "-run-5"));
    }

    [Fact]
    public async Task A_finished_TaskRun_stays_finished_while_retry_attempt_is_not_raised_but_records_the_new_generation()
    {
        var bed = new ReconcilerTestBed();
        await bed.CreateRunningAsync();
        bed.FinishJob(Job1, "Complete");
        await bed.ReconcileAsync();

        bed.UpdateSpec(spec => spec.Priority = Priorities.Low);
        await bed.ReconcileAsync();

        Assert.Equal((Phases.Succeeded, 1, 2L), (bed.Status().Phase, bed.Status().Attempt, bed.Status().ObservedGeneration));
        Assert.Null(bed.Job(Job2));
    }

    [Fact]
    public async Task Cancelling_a_running_TaskRun_stops_its_Job_and_fails_it_as_Cancelled()
    {
        var bed = new ReconcilerTestBed();
        await bed.CreateRunningAsync();

        bed.UpdateSpec(spec => spec.Cancel = true);
        var result = await bed.ReconcileAsync();

        Assert.Equal(ReconcileResult.Done, result);
        Assert.Equal(Job1, Assert.Single(bed.Children.StoppedJobs));
        Assert.Equal((Phases.Failed, "cancelled by spec.cancel during run 1"), (bed.Status().Phase, bed.Status().Message));
        Assert.Equal(ConditionReasons.Cancelled, bed.Condition(ConditionTypes.Succeeded)?.Reason);
        Assert.Equal((EventRecorder.Normal, ConditionReasons.Cancelled), (bed.Events.Events[^1].Type, bed.Events.Events[^1].Reason));
    }

    [Fact]
    public async Task Cancelling_while_a_retry_is_scheduled_drops_the_retry()
    {
        var bed = new ReconcilerTestBed();
        await bed.CreateRunningAsync();
        bed.FinishJob(Job1, "Failed", RetryConfig.BackoffLimitExceeded);
        await bed.ReconcileAsync();

        bed.UpdateSpec(spec => spec.Cancel = true);
        await bed.ReconcileAsync();
        bed.Time.Advance(TimeSpan.FromMinutes(10));
        await bed.ReconcileAsync();

        Assert.Equal(Phases.Failed, bed.Status().Phase);
        Assert.Null(bed.Status().NextRetryTime);
        Assert.Empty(bed.Children.StoppedJobs);
        Assert.Null(bed.Job(Job2));
    }
}
