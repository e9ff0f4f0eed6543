using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;
using TaskRun.Core.Api;

namespace TaskRun.Controller.Reconciliation;

/// <summary>Kubernetes Events on a TaskRun (what <c>kubectl describe</c> shows). A failed event write is logged, never fatal.</summary>
public sealed class EventRecorder(IKubernetes client, TimeProvider time, ILogger<EventRecorder> logger) : IEventRecorder
{
    public const string Normal = "Normal";
    public const string Warning = "Warning";
    private const string Component = "taskrun-controller";

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
        try
        {
            await client.CoreV1.CreateNamespacedEventAsync(evt, ns, cancellationToken: cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.LogWarning(e, "could not record event {Reason} on {Namespace}/{TaskRun}", reason, ns, taskRun.Metadata.Name);
        }
    }
}
