namespace TaskRun.Controller.Reconciliation;

/// <summary>Kubernetes Events on a TaskRun (<see cref="EventRecorder"/>); a failed write is never fatal.</summary>
public interface IEventRecorder
{
    /// <summary>Records one Event; <paramref name="type"/> is <see cref="EventRecorder.Normal"/> or <see cref="EventRecorder.Warning"/>.</summary>
    Task RecordAsync(V2TaskRun taskRun, string type, string reason, string message, CancellationToken cancellationToken);
}
