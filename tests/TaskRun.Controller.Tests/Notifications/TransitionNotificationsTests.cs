using System.Net;
using k8s.Models;
using TaskRun.Controller.Notifications;
using TaskRun.Core.Api;
using TaskRun.Core.Config;
using Xunit;

namespace TaskRun.Controller.Tests.Notifications;

public sealed class TransitionNotificationsTests
{
    private static readonly DateTime Now = new(2026, 11, 30, 8, 0, 0, DateTimeKind.Utc);
    private static readonly NotificationsConfig OneSink = new() { Sinks = [new NotificationSink { Url = "http://127.0.0.1:1/" }] };

    private static V2TaskRun TaskRun(string? phase) => new()
    {
        Metadata = new V1ObjectMeta { Name = "api", NamespaceProperty = "team-a", Uid = "uid-1" },
        Spec = new V2TaskRunSpec { TaskId = 7, ServiceName = "svc" },
        Status = phase is null ? null : new TaskRunStatus { Phase = phase },
    };

    [Fact]
    public void A_phase_change_is_recorded_once_with_a_stable_id()
    {
        var next = new TaskRunStatus { Phase = Phases.Running, Attempt = 1, JobName = "api-run-1", Message = "run 1 started" };

        Assert.Equal(0, TransitionNotifications.Record(TaskRun(null), next, OneSink, Now));

        var pending = Assert.Single(next.Notifications!);
        Assert.Equal((Phases.Running, 1, "api-run-1", Now), (pending.Phase, pending.Run, pending.JobName, pending.Time));
        Assert.Equal(TransitionNotifications.EventId("uid-1", 1, Phases.Running, Now), pending.Id);
        Assert.NotEqual(pending.Id, TransitionNotifications.EventId("uid-1", 2, Phases.Running, Now));
        Assert.NotEqual(pending.Id, TransitionNotifications.EventId("uid-1", 1, Phases.Succeeded, Now));
        Assert.NotEqual(pending.Id, TransitionNotifications.EventId("uid-2", 1, Phases.Running, Now));
    }

    [Fact]
    public void The_same_phase_no_sinks_or_a_filtered_out_phase_record_nothing()
    {
        var same = new TaskRunStatus { Phase = Phases.Running };
        TransitionNotifications.Record(TaskRun(Phases.Running), same, OneSink, Now);
        var off = new TaskRunStatus { Phase = Phases.Running };
        TransitionNotifications.Record(TaskRun(null), off, new NotificationsConfig(), Now);
        var filtered = new TaskRunStatus { Phase = Phases.Running };
        TransitionNotifications.Record(TaskRun(null), filtered, OneSink with { Sinks = [new NotificationSink { Url = "http://a/", Types = ["failed"] }] }, Now);

        Assert.Null(same.Notifications);
        Assert.Null(off.Notifications);
        Assert.Null(filtered.Notifications);
    }

    [Fact]
    public void Beyond_the_status_bound_the_oldest_undelivered_notification_is_dropped()
    {
        var old = Enumerable.Range(0, SpecLimits.MaxPendingNotifications).Select(i => new PendingNotification { Id = $"old-{i}", Phase = Phases.Running, Time = Now }).ToList();
        var next = new TaskRunStatus { Phase = Phases.Failed, Notifications = old };

        Assert.Equal(1, TransitionNotifications.Record(TaskRun(Phases.Running), next, OneSink, Now));

        Assert.Equal(SpecLimits.MaxPendingNotifications, next.Notifications!.Count);
        Assert.Equal("old-1", next.Notifications[0].Id);
        Assert.Equal(Phases.Failed, next.Notifications[^1].Phase);
    }

    [Fact]
    public void A_long_message_is_cut_in_the_event()
    {
        var next = new TaskRunStatus { Phase = Phases.Failed, Message = new string('x', 5000) };

        TransitionNotifications.Record(TaskRun(Phases.Running), next, OneSink, Now);

        Assert.Equal(TransitionNotifications.MaxMessageLength + 1, next.Notifications![0].Message!.Length);
    }

    [Fact]
    public async Task The_request_is_a_binary_mode_CloudEvent()
    {
        var pending = new PendingNotification { Id = "abc", Phase = Phases.Succeeded, Time = Now, Run = 2, Reason = "Succeeded", Message = "run 2 succeeded", JobName = "api-run-2" };

        using var request = CloudEvent.For(TaskRun(Phases.Succeeded), pending).ToRequest(new Uri("http://127.0.0.1:1/e"));

        Assert.Equal(HttpMethod.Post, request.Method);
        Assert.Equal("1.0", request.Headers.GetValues("ce-specversion").Single());
        Assert.Equal("io.orchestrator.taskrun.succeeded", request.Headers.GetValues("ce-type").Single());
        Assert.Equal("/apis/orchestrator.io/v2/namespaces/team-a/taskruns/api", request.Headers.GetValues("ce-source").Single());
        Assert.Equal("api", request.Headers.GetValues("ce-subject").Single());
        Assert.Equal("abc", request.Headers.GetValues("ce-id").Single());
        Assert.Equal("2026-11-30T08:00:00.000Z", request.Headers.GetValues("ce-time").Single());
        Assert.Equal("application/json", request.Content!.Headers.ContentType!.MediaType);
        Assert.Equal(
            """{"namespace":"team-a","name":"api","uid":"uid-1","taskId":7,"serviceName":"svc","run":2,"phase":"Succeeded","reason":"Succeeded","message":"run 2 succeeded","jobName":"api-run-2"}""",
            await request.Content.ReadAsStringAsync());
    }

    [Theory]
    [InlineData(HttpStatusCode.OK, DeliveryOutcome.Delivered)]
    [InlineData(HttpStatusCode.Accepted, DeliveryOutcome.Delivered)]
    [InlineData(HttpStatusCode.RequestTimeout, DeliveryOutcome.Retryable)]
    [InlineData(HttpStatusCode.TooManyRequests, DeliveryOutcome.Retryable)]
    [InlineData(HttpStatusCode.InternalServerError, DeliveryOutcome.Retryable)]
    [InlineData(HttpStatusCode.ServiceUnavailable, DeliveryOutcome.Retryable)]
    [InlineData(HttpStatusCode.BadRequest, DeliveryOutcome.Refused)]
    [InlineData(HttpStatusCode.NotFound, DeliveryOutcome.Refused)]
    [InlineData(HttpStatusCode.Found, DeliveryOutcome.Refused)]
    public void Responses_are_classified_for_retry(HttpStatusCode status, DeliveryOutcome expected)
    {
        Assert.Equal(expected, SinkResponse.FromStatus(status).Outcome);
    }

    [Fact]
    public void A_sink_is_shown_without_credentials_or_query()
    {
        Assert.Equal("https://events.example.com:443/hook", CloudEventSender.Redact(new Uri("https://user:pw@events.example.com/hook?token=t")));
    }
}
