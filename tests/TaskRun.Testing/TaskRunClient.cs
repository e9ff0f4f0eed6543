using System.Net;
using System.Text.Json;
using k8s;
using k8s.Autorest;
using k8s.Models;
using TaskRun.Core.Api;
using TaskRun.Core.Serialization;

namespace TaskRun.Testing;

/// <summary>Typed access to v2 TaskRuns through the custom-objects API, as the tests use it.</summary>
public static class TaskRunClient
{
    public static async Task<V2TaskRun> CreateAsync(IKubernetes client, V2TaskRun taskRun) =>
        Read(await client.CustomObjects.CreateNamespacedCustomObjectAsync(
            taskRun, TaskRunApi.Group, TaskRunApi.V2, taskRun.Metadata.NamespaceProperty, TaskRunApi.Plural));

    /// <summary>The TaskRun, or null when there is none of that name.</summary>
    public static async Task<V2TaskRun?> GetAsync(IKubernetes client, string ns, string name)
    {
        try
        {
            return Read(await client.CustomObjects.GetNamespacedCustomObjectAsync(TaskRunApi.Group, TaskRunApi.V2, ns, TaskRunApi.Plural, name));
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    public static async Task<V2TaskRunList> ListAsync(IKubernetes client, string ns) =>
        KubeJson.Deserialize<V2TaskRunList>((JsonElement)await client.CustomObjects.ListNamespacedCustomObjectAsync(
            TaskRunApi.Group, TaskRunApi.V2, ns, TaskRunApi.Plural))!;

    public static async Task<V2TaskRun> ReplaceAsync(IKubernetes client, V2TaskRun taskRun) =>
        Read(await client.CustomObjects.ReplaceNamespacedCustomObjectAsync(
            taskRun, TaskRunApi.Group, TaskRunApi.V2, taskRun.Metadata.NamespaceProperty, TaskRunApi.Plural, taskRun.Metadata.Name));

    public static async Task<V2TaskRun> ReplaceStatusAsync(IKubernetes client, V2TaskRun taskRun) =>
        Read(await client.CustomObjects.ReplaceNamespacedCustomObjectStatusAsync(
            taskRun, TaskRunApi.Group, TaskRunApi.V2, taskRun.Metadata.NamespaceProperty, TaskRunApi.Plural, taskRun.Metadata.Name));

    public static Task PatchSpecAsync(IKubernetes client, string ns, string name, string mergePatch) =>
        client.CustomObjects.PatchNamespacedCustomObjectAsync(
            new V1Patch(mergePatch, V1Patch.PatchType.MergePatch), TaskRunApi.Group, TaskRunApi.V2, ns, TaskRunApi.Plural, name);

    public static Task DeleteAsync(IKubernetes client, string ns, string name) =>
        client.CustomObjects.DeleteNamespacedCustomObjectAsync(TaskRunApi.Group, TaskRunApi.V2, ns, TaskRunApi.Plural, name);

    private static V2TaskRun Read(object response) => KubeJson.Deserialize<V2TaskRun>((JsonElement)response)!;
}
