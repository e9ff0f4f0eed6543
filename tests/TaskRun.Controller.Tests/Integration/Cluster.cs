using System.Text.Json;
using k8s;
using k8s.Autorest;
using k8s.Models;
using TaskRun.Core.Api;
using TaskRun.Core.Serialization;

namespace TaskRun.Controller.Tests.Integration;

/// <summary>What the tests do to the cluster: TaskRuns, and Job status standing in for the absent Job controller.</summary>
internal static class Cluster
{
    public static V2TaskRun SeedExample(string ns, string name = "auth-service-task-1001", string service = "auth-service") => new()
    {
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = ns },
        Spec = new V2TaskRunSpec
        {
            TaskId = 1001,
            ServiceName = service,
            Priority = Priorities.High,
            Files =
            [
                new TaskFile { Name = "task.md", Type = FileTypes.Task, Content = "# Task Implementation Details..." },
                new TaskFile { Name = "design-spec.md", Type = FileTypes.DesignSpec, Content = "# Service Design Specification..." },
                new TaskFile { Name = "prompt.md", Type = FileTypes.Prompt, Content = "# Autonomous Agent Instructions..." },
            ],
            Retry = new RetrySpec { Attempt = 1 },
        },
    };

    public static async Task<V2TaskRun> CreateAsync(IKubernetes client, V2TaskRun taskRun) =>
        Read(await client.CustomObjects.CreateNamespacedCustomObjectAsync(taskRun, TaskRunApi.Group, TaskRunApi.V2, taskRun.Metadata.NamespaceProperty, TaskRunApi.Plural));

    public static async Task<V2TaskRun?> GetAsync(IKubernetes client, string ns, string name)
    {
        try
        {
            return Read(await client.CustomObjects.GetNamespacedCustomObjectAsync(TaskRunApi.Group, TaskRunApi.V2, ns, TaskRunApi.Plural, name));
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == System.Net.HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    public static async Task PatchSpecAsync(IKubernetes client, string ns, string name, string mergePatch) =>
        await client.CustomObjects.PatchNamespacedCustomObjectAsync(new V1Patch(mergePatch, V1Patch.PatchType.MergePatch), TaskRunApi.Group, TaskRunApi.V2, ns, TaskRunApi.Plural, name);

    public static Task DeleteAsync(IKubernetes client, string ns, string name) =>
        client.CustomObjects.DeleteNamespacedCustomObjectAsync(TaskRunApi.Group, TaskRunApi.V2, ns, TaskRunApi.Plural, name);

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
            var list = await client.CustomObjects.ListNamespacedCustomObjectAsync(TaskRunApi.Group, TaskRunApi.V2, ns, TaskRunApi.Plural);
            return KubeJson.Deserialize<V2TaskRunList>((JsonElement)list)!.Items.Count(t => t.Status?.Phase == Phases.Running);
        }, running => running == count, $"{count} TaskRuns Running", timeout);

    public static async Task<IList<V1Job>> JobsAsync(IKubernetes client, string ns) =>
        (await client.BatchV1.ListNamespacedJobAsync(ns)).Items;

    /// <summary>Server-side applies the config ConfigMap (config.yaml = <paramref name="yaml"/>) in <paramref name="ns"/>.</summary>
    public static Task WriteConfigAsync(IKubernetes client, string ns, string yaml)
    {
        var configMap = new V1ConfigMap
        {
            ApiVersion = "v1",
            Kind = "ConfigMap",
            Metadata = new V1ObjectMeta { Name = TaskRun.Core.Config.ControllerConfig.ConfigMapName, NamespaceProperty = ns },
            Data = new Dictionary<string, string> { [TaskRun.Core.Config.ControllerConfig.DataKey] = yaml },
        };
        return client.CoreV1.PatchNamespacedConfigMapAsync(
            new V1Patch(configMap, V1Patch.PatchType.ApplyPatch), configMap.Metadata.Name, ns, fieldManager: "test", force: true);
    }

    public static async Task<IList<V1ConfigMap>> RunConfigMapsAsync(IKubernetes client, string ns) =>
        (await client.CoreV1.ListNamespacedConfigMapAsync(ns, labelSelector: $"{TaskRunLabels.ManagedBy}={TaskRunLabels.ManagedByValue}")).Items;

    private static V2TaskRun Read(object response) => KubeJson.Deserialize<V2TaskRun>((JsonElement)response)!;
}
