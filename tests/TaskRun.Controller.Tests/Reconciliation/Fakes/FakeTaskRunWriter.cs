using TaskRun.Controller.Reconciliation;
using TaskRun.Runtime;
using TaskRun.Core.Api;

namespace TaskRun.Controller.Tests.Reconciliation;

/// <summary>TaskRun writes against <see cref="FakeApiServer"/>; every status write is kept for the test to read.</summary>
internal sealed class FakeTaskRunWriter(FakeApiServer server) : ITaskRunWriter
{
    public List<TaskRunStatus> StatusWrites { get; } = [];

    public int FullReads { get; private set; }

    public Task<V2TaskRun?> ReadAsync(V2TaskRun taskRun, CancellationToken cancellationToken)
    {
        FullReads++;
        var current = server.Get<V2TaskRun>(ObjectKey.Of(taskRun));
        return Task.FromResult(current?.Metadata.Uid == taskRun.Metadata.Uid ? current : null);
    }

    public Task<V2TaskRun> AddFinalizerAsync(V2TaskRun taskRun, CancellationToken cancellationToken) =>
        Task.FromResult(Update(taskRun, stored => stored.Metadata.Finalizers = [.. stored.Metadata.Finalizers ?? [], TaskRunApi.Finalizer]));

    public Task<V2TaskRun> RemoveFinalizerAsync(V2TaskRun taskRun, CancellationToken cancellationToken) =>
        Task.FromResult(Update(taskRun, stored => stored.Metadata.Finalizers?.Remove(TaskRunApi.Finalizer)));

    public Task<V2TaskRun> ReplaceStatusAsync(V2TaskRun taskRun, TaskRunStatus status, CancellationToken cancellationToken)
    {
        StatusWrites.Add(status);
        return Task.FromResult(Update(taskRun, stored => stored.Status = status));
    }

    private V2TaskRun Update(V2TaskRun taskRun, Action<V2TaskRun> change)
    {
        var stored = server.Get<V2TaskRun>(ObjectKey.Of(taskRun)) ?? throw new InvalidOperationException($"TaskRun {ObjectKey.Of(taskRun)} is not on the server");
        change(stored);
        return server.Put(stored);
    }
}
