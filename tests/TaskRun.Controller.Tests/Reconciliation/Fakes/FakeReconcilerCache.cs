using k8s.Models;
using TaskRun.Controller.Reconciliation;
using TaskRun.Runtime;
using TaskRun.Core.Api;

namespace TaskRun.Controller.Tests.Reconciliation;

/// <summary>
/// The informers' caches, filled by the test (standing in for the watch) and by the reconciler's own writes,
/// in the shape the controller caches: TaskRuns without file contents.
/// </summary>
internal sealed class FakeReconcilerCache : IReconcilerCache
{
    public ObjectCache<V2TaskRun> TaskRuns { get; } = new();

    public ObjectCache<V1Job> Jobs { get; } = new();

    public V2TaskRun? TaskRun(ObjectKey key) => TaskRuns.Get(key);

    public V1Job? Job(ObjectKey key) => Jobs.Get(key);

    public void TaskRunWritten(V2TaskRun taskRun) => TaskRuns.Put(taskRun.WithoutFileContents());

    public void JobWritten(V1Job job) => Jobs.Put(job);
}
