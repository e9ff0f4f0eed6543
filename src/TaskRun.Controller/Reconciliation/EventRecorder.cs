namespace TaskRun.Controller.Reconciliation;

/// <summary>
/// Kubernetes Events on a TaskRun (what <c>kubectl describe</c> shows). A failed event write is logged, never fatal.
/// With a <see cref="Sink"/> the Event is written in the background and the call returns at once.
/// </summary>
public sealed class EventRecorder(IKubernetes client, TimeProvider time, ILogger<EventRecorder> logger) : IEventRecorder
{
    public const string Normal = "Normal";
    public const string Warning = "Warning";
    private const string Component = "taskrun-controller";

    /// <summary>Where Events are queued for background writing; null writes each one inline.</summary>
    public EventSink? Sink { get; init; }

    public async Task RecordAsync(V2TaskRun taskRun, string type, string reason, string message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(taskRun);
        var now = time.GetUtcNow().UtcDateTime;
        var ns = taskRun.Metadata.NamespaceProperty;
        var evt = new Corev1Event
        {
            Metadata = new V1ObjectMeta { GenerateName = $"{RunChildren.LabelSafeName(taskRun.Metadata.Name)}.", NamespaceProperty = ns },
            InvolvedObject = new V1ObjectReference
            {
                ApiVersion = TaskRunApi.V2ApiVersion,
                Kind = TaskRunApi.Kind,
                Name = taskRun.Metadata.Name,
                NamespaceProperty = ns,
                Uid = taskRun.Metadata.Uid,
                ResourceVersion = taskRun.Metadata.ResourceVersion,
            },
            Type = type,
            Reason = reason,
            Message = message,
            Source = new V1EventSource { Component = Component },
            ReportingComponent = Component,
            FirstTimestamp = now,
            LastTimestamp = now,
            Count = 1,
        };
        if (Sink is not null)
        {
            Sink.Enqueue(evt);
            return;
        }

        await EventSink.WriteAsync(client, evt, logger, cancellationToken);
    }
}
