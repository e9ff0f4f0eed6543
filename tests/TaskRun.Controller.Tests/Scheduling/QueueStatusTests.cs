using TaskRun.Runtime;
using TaskRun.Controller.Scheduling;
using TaskRun.Core.Api;
using TaskRun.Core.Config;
using Xunit;

namespace TaskRun.Controller.Tests.Scheduling;

/// <summary>How waiting and leaving the queue show in status.</summary>
public sealed class QueueStatusTests
{
    private static readonly DateTime Now = new(2026, 1, 1, 12, 0, 0, DateTimeKind.Utc);

    [Fact]
    public void The_message_names_the_position_and_the_namespace_limit_with_its_namespace()
    {
        var place = new QueuePlace(new RunCandidate(new ObjectKey("team-a", "x"), "uid", "low", Now), false, 2, QueueHold.Namespace);

        Assert.Equal("queued at position 2 of 7: scheduling.maxActiveRunsPerNamespace (3) is reached in namespace team-a",
            QueueStatus.Message(place, 7, new SchedulingConfig { MaxActiveRuns = 10, MaxActiveRunsPerNamespace = 3 }, "team-a"));
    }

    [Fact]
    public void Leaving_the_queue_reports_the_wait_since_Scheduled_turned_False_and_turns_it_True()
    {
        var queuedAt = Now.AddSeconds(-42);
        var taskRun = new V2TaskRun
        {
            Metadata = new k8s.Models.V1ObjectMeta { Name = "x", NamespaceProperty = "team-a", Generation = 1 },
            Spec = new V2TaskRunSpec(),
            Status = new TaskRunStatus
            {
                Phase = Phases.Queued,
                Conditions = [new k8s.Models.V1Condition { Type = ConditionTypes.Scheduled, Status = "False", Reason = ConditionReasons.Queued, LastTransitionTime = queuedAt, Message = "q" }],
            },
        };
        var next = new TaskRunStatus { Conditions = taskRun.Status.Conditions.ToList() };

        var waited = QueueStatus.LeaveQueue(next, taskRun, 1, Now);

        Assert.Equal(TimeSpan.FromSeconds(42), waited);
        var scheduled = Assert.Single(next.Conditions!);
        Assert.Equal(("True", ConditionReasons.Admitted, Now), (scheduled.Status, scheduled.Reason, scheduled.LastTransitionTime));
    }

    [Fact]
    public void A_run_that_never_waited_reports_no_wait()
    {
        var taskRun = new V2TaskRun { Metadata = new k8s.Models.V1ObjectMeta { Name = "x" }, Spec = new V2TaskRunSpec(), Status = new TaskRunStatus { Phase = Phases.Pending } };

        Assert.Null(QueueStatus.LeaveQueue(new TaskRunStatus(), taskRun, 2, Now));
    }
}
