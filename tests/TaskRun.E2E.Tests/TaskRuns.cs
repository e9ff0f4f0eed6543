using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using k8s;
using k8s.Autorest;
using k8s.Models;
using TaskRun.Core.Api;
using TaskRun.Core.Naming;
using TaskRun.Core.Serialization;
using TaskRun.Testing;
using Xunit;

namespace TaskRun.E2E.Tests;

/// <summary>What the tests do with TaskRuns and read from their runs. Nothing here writes a status.</summary>
internal static class TaskRuns
{
    /// <summary>A small TaskRun whose stand-in agent follows <paramref name="standIn"/> (its stand-in.md; null: none).</summary>
    public static V2TaskRun Small(string ns, string name, string service, string? standIn, int taskId = 7)
    {
        var files = new List<TaskFile> { new() { Name = "task.md", Type = FileTypes.Task, Content = $"# {name}\n" } };
        if (standIn is not null)
        {
            files.Add(new TaskFile { Name = "stand-in.md", Type = FileTypes.Context, Content = standIn });
        }

        return new V2TaskRun
        {
            Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = ns },
            Spec = new V2TaskRunSpec { TaskId = taskId, ServiceName = service, Files = files, Retry = new RetrySpec { Attempt = 1 } },
        };
    }

    /// <summary>Waits until the TaskRun is in <paramref name="phase"/>; a different final phase fails at once.</summary>
    public static async Task<V2TaskRun> WaitForPhaseAsync(IKubernetes client, string ns, string name, string phase, TimeSpan timeout)
    {
        var taskRun = await Eventually.HoldsAsync(() => TaskRunClient.GetAsync(client, ns, name),
            t => t?.Status?.Phase == phase || (t?.Status?.Phase is Phases.Succeeded or Phases.Failed),
            $"TaskRun {ns}/{name} {phase}", timeout);
        Assert.True(taskRun!.Status!.Phase == phase, $"TaskRun {ns}/{name} ended {taskRun.Status.Phase}, not {phase}: {KubeJson.Serialize(taskRun.Status)}");
        return taskRun;
    }

    /// <summary>Waits until run <paramref name="run"/> has finished, and checks that it ended in <paramref name="phase"/>.</summary>
    public static async Task<V2TaskRun> WaitForRunAsync(IKubernetes client, string ns, string name, int run, string phase, TimeSpan timeout)
    {
        var taskRun = await Eventually.HoldsAsync(() => TaskRunClient.GetAsync(client, ns, name),
            t => t?.Status?.Attempt >= run && t.Status.Phase is Phases.Succeeded or Phases.Failed,
            $"TaskRun {ns}/{name} run {run} finished", timeout);
        Assert.True(taskRun!.Status!.Phase == phase && taskRun.Status.Attempt == run,
            $"TaskRun {ns}/{name} ended {taskRun.Status.Phase} at run {taskRun.Status.Attempt}, not {phase} at run {run}: {KubeJson.Serialize(taskRun.Status)}");
        return taskRun;
    }

    public static async Task<IList<V1Pod>> PodsOfRunAsync(IKubernetes client, string ns, string taskRunName, int run) =>
        (await client.CoreV1.ListNamespacedPodAsync(ns, labelSelector: $"job-name={RunNames.Job(taskRunName, run)}")).Items;

    public static async Task<V1Job?> JobAsync(IKubernetes client, string ns, string name)
    {
        try
        {
            return await client.BatchV1.ReadNamespacedJobAsync(name, ns);
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    public static string Sha256(string content) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(content)));
}
