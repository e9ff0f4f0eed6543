using System.Text.Json;
using k8s;
using k8s.Models;
using TaskRun.Core.Api;
using TaskRun.Testing;

namespace TaskRun.Controller.Tests.Integration;

/// <summary>What the tests do to the cluster beyond <see cref="TaskRunClient"/>: Job status standing in for the absent Job controller.</summary>
internal static class Cluster
{
    /// <summary>Marks a Job finished, as the Job controller would (there is none in the test control plane).</summary>
    public static Task FinishJobAsync(IKubernetes client, string ns, string job, string type, string? reason = null)
    {
        var condition = new Dictionary<string, object?> { ["type"] = type, ["status"] = "True", ["reason"] = reason, ["message"] = reason is null ? null : $"test: {reason}" };
        var patch = JsonSerializer.Serialize(new { status = new { conditions = new[] { condition } } });
        return client.BatchV1.PatchNamespacedJobStatusAsync(new V1Patch(patch, V1Patch.PatchType.MergePatch), job, ns);
    }

    /// <summary>Waits until exactly <paramref name="count"/> TaskRuns of the namespace are Running.</summary>
    public static Task WaitRunningAsync(IKubernetes client, string ns, int count, TimeSpan timeout) =>
        Eventually.HoldsAsync(async () =>
        {
            var list = await TaskRunClient.ListAsync(client, ns);
            return list.Items.Count(t => t.Status?.Phase == Phases.Running);
        }, running => running == count, $"{count} TaskRuns Running", timeout);

    public static async Task<IList<V1Job>> JobsAsync(IKubernetes client, string ns) =>
        (await client.BatchV1.ListNamespacedJobAsync(ns)).Items;

    public static async Task<IList<V1ConfigMap>> RunConfigMapsAsync(IKubernetes client, string ns) =>
        (await client.CoreV1.ListNamespacedConfigMapAsync(ns, labelSelector: $"{TaskRunLabels.ManagedBy}={TaskRunLabels.ManagedByValue}")).Items;
}
