using TaskRun.Controller.Reconciliation;
using TaskRun.Core.Api;

namespace TaskRun.Controller.Tests.Reconciliation;

internal sealed record RecordedEvent(string TaskRun, string Type, string Reason, string Message);

/// <summary>Keeps every Event the reconciler records.</summary>
internal sealed class FakeEventRecorder : IEventRecorder
{
    public List<RecordedEvent> Events { get; } = [];

    public Task RecordAsync(V2TaskRun taskRun, string type, string reason, string message, CancellationToken cancellationToken)
    {
        Events.Add(new RecordedEvent(taskRun.Metadata.Name, type, reason, message));
        return Task.CompletedTask;
    }
}
