using System.Net;
using k8s;
using k8s.Autorest;
using Microsoft.Extensions.Logging.Abstractions;
using TaskRun.Controller;
using TaskRun.Controller.Reconciliation;
using TaskRun.Core.Api;
using TaskRun.Core.Config;
using TaskRun.Core.Naming;
using TaskRun.Core.Payload;

namespace TaskRun.ControllerBench;

/// <summary>
/// The ceiling: a plain client making, for each pre-created TaskRun, exactly the writes the controller makes on
/// its first reconcile (finalizer patch, ConfigMap apply, the service's PVC once, Job apply, status replace, event)
/// with the same builders and writer classes (so the same request bodies), but no informers, no queue, no reads,
/// no re-reconciles: <c>concurrency</c> pipelines over a shared list. <c>minimal</c> makes only the four writes
/// every first run needs (finalizer as an idempotent merge patch, ConfigMap, Job, status): the system ceiling.
/// </summary>
internal static class CeilingPhase
{
    public static readonly string[] Steps = ["finalizer patch", "ConfigMap apply", "PVC create (once)", "Job apply", "status replace", "event create"];

    public static async Task<CeilingResult> RunAsync(
        IKubernetes client, IReadOnlyList<V2TaskRun> taskRuns, int concurrency, Clock clock, CancellationToken cancellationToken, bool minimal = false)
    {
        var taskRunWriter = new TaskRunWriter(client);
        var childWriter = new ChildWriter(client, new ControllerMetrics(Prometheus.Metrics.NewCustomRegistry()));
        var events = new EventRecorder(client, TimeProvider.System, NullLogger<EventRecorder>.Instance);
        var config = ControllerConfig.Default;
        var latencies = new double[taskRuns.Count];
        var stepSeconds = new double[Steps.Length];
        var claimCreated = 0;
        var next = -1;
        var started = clock.Now;
        var workers = Enumerable.Range(0, Math.Min(concurrency, taskRuns.Count)).Select(_ => Task.Run(async () =>
        {
            var mine = new double[Steps.Length];
            int i;
            while ((i = Interlocked.Increment(ref next)) < taskRuns.Count)
            {
                var begin = clock.Now;
                var mark = begin;
                void Step(int step)
                {
                    var now = clock.Now;
                    mine[step] += now - mark;
                    mark = now;
                }

                const int run = 1;
                var taskRun = minimal
                    ? await MergeFinalizerAsync(client, taskRuns[i], cancellationToken)
                    : await taskRunWriter.AddFinalizerAsync(taskRuns[i], cancellationToken);
                Step(0);
                await childWriter.WriteConfigMapAsync(RunChildren.ConfigMap(taskRun, run, RunPayloadBuilder.Build(taskRun, run)), taskRun.Metadata.Uid, cancellationToken);
                Step(1);
                if (!minimal && Interlocked.Exchange(ref claimCreated, 1) == 0)
                {
                    await CreateClaimAsync(client, taskRun, config.Workspace, cancellationToken);
                }

                Step(2);
                await childWriter.WriteJobAsync(RunChildren.Job(taskRun, run, config), taskRun.Metadata.Uid, cancellationToken);
                Step(3);
                var message = $"run {run} started (Job {RunNames.Job(taskRun.Metadata.Name, run)})";
                await taskRunWriter.ReplaceStatusAsync(taskRun, RunningStatus(taskRun, run, message), cancellationToken);
                Step(4);
                if (!minimal)
                {
                    await events.RecordAsync(taskRun, EventRecorder.Normal, "RunStarted", message, cancellationToken);
                }

                Step(5);
                latencies[i] = clock.Now - begin;
            }

            lock (stepSeconds)
            {
                for (var s = 0; s < Steps.Length; s++)
                {
                    stepSeconds[s] += mine[s];
                }
            }
        }, cancellationToken)).ToList();
        await Task.WhenAll(workers);
        var seconds = clock.Now - started;
        return new CeilingResult(taskRuns.Count, seconds, latencies, stepSeconds.Select(s => s / taskRuns.Count).ToArray());
    }

    /// <summary>The status the controller writes when it starts run <paramref name="run"/> (TaskRunReconciler.StartRunAsync + Running).</summary>
    private static TaskRunStatus RunningStatus(V2TaskRun taskRun, int run, string message)
    {
        var now = DateTime.UtcNow;
        var generation = taskRun.Metadata.Generation;
        var configMap = RunNames.ConfigMap(taskRun.Metadata.Name, run);
        var job = RunNames.Job(taskRun.Metadata.Name, run);
        var conditions = StatusConditions.Set(null, ConditionTypes.ConfigMapReady, "True", "Created", $"ConfigMap {configMap} holds the run's files", generation, now);
        conditions = StatusConditions.Set(conditions, ConditionTypes.JobCreated, "True", "Created", $"Job {job} created", generation, now);
        conditions = StatusConditions.Set(conditions, ConditionTypes.Succeeded, "Unknown", ConditionReasons.Running, message, generation, now);
        return new TaskRunStatus
        {
            Phase = Phases.Running,
            Attempt = run,
            RetryCount = 0,
            ObservedRetryAttempt = taskRun.Spec.Retry?.Attempt ?? 1,
            StartTime = now,
            ConfigMapName = configMap,
            JobName = job,
            Message = message,
            ObservedGeneration = generation,
            Conditions = conditions,
        };
    }

    /// <summary>The finalizer as a merge patch: one write whether or not admission has added it already.</summary>
    private static async Task<V2TaskRun> MergeFinalizerAsync(IKubernetes client, V2TaskRun taskRun, CancellationToken cancellationToken)
    {
        var patch = new k8s.Models.V1Patch($$$"""{"metadata":{"finalizers":["{{{TaskRunApi.Finalizer}}}"]}}""", k8s.Models.V1Patch.PatchType.MergePatch);
        var response = await client.CustomObjects.PatchNamespacedCustomObjectAsync(patch, TaskRunApi.Group, TaskRunApi.V2,
            taskRun.Metadata.NamespaceProperty, TaskRunApi.Plural, taskRun.Metadata.Name, fieldManager: TaskRunApi.FieldManager, cancellationToken: cancellationToken);
        return TaskRun.Core.Serialization.KubeJson.Deserialize<V2TaskRun>((System.Text.Json.JsonElement)response)!;
    }

    private static async Task CreateClaimAsync(IKubernetes client, V2TaskRun taskRun, WorkspaceConfig workspace, CancellationToken cancellationToken)
    {
        var ns = taskRun.Metadata.NamespaceProperty;
        try
        {
            await client.CoreV1.CreateNamespacedPersistentVolumeClaimAsync(RunChildren.WorkspaceClaim(ns, taskRun.Spec.ServiceName!, workspace), ns, cancellationToken: cancellationToken);
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.Conflict)
        {
        }
    }
}

internal sealed record CeilingResult(int Count, double Seconds, double[] Latencies, double[] MeanStepSeconds)
{
    public double Throughput => Count / Seconds;
}
