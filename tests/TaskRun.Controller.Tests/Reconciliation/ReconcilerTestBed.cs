using k8s.Models;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using TaskRun.Controller.Reconciliation;
using TaskRun.Runtime;
using TaskRun.Controller.Scheduling;
using TaskRun.Core.Api;
using TaskRun.Core.Config;
using TaskRun.Testing;

namespace TaskRun.Controller.Tests.Reconciliation;

/// <summary>
/// A <see cref="TaskRunReconciler"/> with fakes for every seam and a fake clock: the test plays the watch
/// (puts objects in the cache) and the Job controller (finishes Jobs), and reads what the reconciler wrote.
/// </summary>
internal sealed class ReconcilerTestBed
{
    public const string Namespace = "team-a";
    public const string Name = SeedTaskRun.Name;
    public const string Job1 = Name + "-run-1";
    public const string ConfigMap1 = Name + "-run-1-files";
    public const string Job2 = Name + "-run-2";

    public ReconcilerTestBed(ControllerConfig? config = null, bool withAdmissions = false)
    {
        Config = config ?? ControllerConfig.Default;
        TaskRunWriter = new FakeTaskRunWriter(Server);
        Children = new FakeChildWriter(Server);
        Admissions = withAdmissions ? new AdmissionGate(Cache.TaskRuns, Cache.Jobs, () => Config, Time) : null;
        Reconciler = new TaskRunReconciler(
            new ReconcilerDependencies(
                Cache, TaskRunWriter, Children, AgentOutcomes, Events, Metrics, () => Config, () => ConfigBlocked, Admissions, Time, Jitter),
            NullLogger<TaskRunReconciler>.Instance);
    }

    public FakeApiServer Server { get; } = new();

    public FakeReconcilerCache Cache { get; } = new();

    public FakeTaskRunWriter TaskRunWriter { get; }

    public FakeChildWriter Children { get; }

    public FakeAgentOutcomeReader AgentOutcomes { get; } = new();

    public FakeEventRecorder Events { get; } = new();

    public FakeReconcilerMetrics Metrics { get; } = new();

    public FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 11, 30, 9, 0, 0, TimeSpan.Zero));

    public FixedJitter Jitter { get; } = new(0.5);

    public ControllerConfig Config { get; set; }

    public string? ConfigBlocked { get; set; }

    public AdmissionGate? Admissions { get; }

    public TaskRunReconciler Reconciler { get; }

    public DateTime Now => Time.GetUtcNow().UtcDateTime;

    public static ObjectKey Key(string name = Name) => new(Namespace, name);

    /// <summary>The seed TaskRun, created on the server and seen by the watch.</summary>
    public V2TaskRun Create(Action<V2TaskRun>? change = null, string name = Name)
    {
        var taskRun = SeedTaskRun.Build(Namespace, name);
        taskRun.Metadata.Generation = 1;
        taskRun.Metadata.CreationTimestamp = Now;
        change?.Invoke(taskRun);
        return Watch(Server.Put(taskRun));
    }

    /// <summary>A spec change as the API server makes it: a new generation, seen by the watch.</summary>
    public V2TaskRun UpdateSpec(Action<V2TaskRunSpec> change, string name = Name)
    {
        var taskRun = Server.Get<V2TaskRun>(Key(name))!;
        change(taskRun.Spec);
        taskRun.Metadata.Generation++;
        return Watch(Server.Put(taskRun));
    }

    /// <summary><c>kubectl delete</c>: with a finalizer the TaskRun only gets its deletion timestamp.</summary>
    public void Delete(string name = Name)
    {
        var taskRun = Server.Get<V2TaskRun>(Key(name))!;
        taskRun.Metadata.DeletionTimestamp = Now;
        Watch(Server.Put(taskRun));
    }

    public Task<ReconcileResult> ReconcileAsync(string name = Name) => Reconciler.ReconcileAsync(Key(name), CancellationToken.None);

    /// <summary>The TaskRun as stored on the server.</summary>
    public V2TaskRun TaskRun(string name = Name) => Server.Get<V2TaskRun>(Key(name))!;

    public TaskRunStatus Status(string name = Name) => TaskRun(name).Status!;

    public V1Condition? Condition(string type, string name = Name) => StatusConditions.Find(Status(name).Conditions, type);

    public V1Job? Job(string jobName) => Server.Get<V1Job>(new ObjectKey(Namespace, jobName));

    public V1ConfigMap? ConfigMap(string configMapName) => Server.Get<V1ConfigMap>(new ObjectKey(Namespace, configMapName));

    /// <summary>The Job controller's verdict on a Job, as the watch delivers it.</summary>
    public void FinishJob(string jobName, string type, string? reason = null, string? message = null)
    {
        var job = Job(jobName)!;
        job.Status = new V1JobStatus { Conditions = [new V1JobCondition { Type = type, Status = "True", Reason = reason, Message = message }] };
        Cache.Jobs.Put(Server.Put(job));
    }

    /// <summary>Someone deletes a child; the watch reports it.</summary>
    public void DeleteJob(string jobName)
    {
        Server.Remove<V1Job>(new ObjectKey(Namespace, jobName));
        Cache.Jobs.Remove(new ObjectKey(Namespace, jobName), out _);
    }

    public void DeleteConfigMap(string configMapName) => Server.Remove<V1ConfigMap>(new ObjectKey(Namespace, configMapName));

    /// <summary>An object of another owner (or none) that holds a name.</summary>
    public void PutForeign<T>(T obj) where T : class, k8s.IKubernetesObject<V1ObjectMeta>
    {
        obj.Metadata.NamespaceProperty = Namespace;
        obj.Metadata.OwnerReferences = [new V1OwnerReference { ApiVersion = "v1", Kind = "Other", Name = "someone-else", Uid = "other-uid", Controller = true }];
        var stored = Server.Put(obj);
        if (stored is V1Job job)
        {
            Cache.Jobs.Put(job);
        }
    }

    /// <summary>The seed TaskRun, created and reconciled once: Running its run 1.</summary>
    public async Task<V2TaskRun> CreateRunningAsync(Action<V2TaskRun>? change = null)
    {
        Create(change);
        await ReconcileAsync();
        var running = TaskRun();
        if (running.Status?.Phase != Phases.Running)
        {
            throw new InvalidOperationException($"the TaskRun did not start: {running.Status?.Phase} {running.Status?.Message}");
        }

        return running;
    }

    private V2TaskRun Watch(V2TaskRun stored)
    {
        Cache.TaskRuns.Put(stored.WithoutFileContents());
        return stored;
    }
}
