using System.Text.Json;
using k8s;
using k8s.Models;
using TaskRun.Core.Api;
using TaskRun.Core.Serialization;

namespace TaskRun.Api.Tests;

/// <summary>TaskRun objects for tests and typed access to them through the custom-objects API.</summary>
internal static class TaskRunObjects
{
    public static V2TaskRun Sample(string name, string ns) => new()
    {
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = ns },
        Spec = new V2TaskRunSpec
        {
            TaskId = 1001,
            ServiceName = "auth-service",
            Priority = Priorities.High,
            Files =
            [
                new TaskFile { Name = "task.md", Type = FileTypes.Task, Content = "# Task 1001" },
                new TaskFile { Name = "prompt.md", Type = FileTypes.Prompt, Content = "# Prompt" },
            ],
            Retry = new RetrySpec { Attempt = 1 },
        },
    };

    public static async Task<V2TaskRun> CreateAsync(IKubernetes client, V2TaskRun taskRun) =>
        ToTaskRun(await client.CustomObjects.CreateNamespacedCustomObjectAsync(
            taskRun, TaskRunApi.Group, TaskRunApi.V2, taskRun.Metadata.NamespaceProperty, TaskRunApi.Plural));

    public static async Task<V2TaskRun> GetAsync(IKubernetes client, string ns, string name) =>
        ToTaskRun(await client.CustomObjects.GetNamespacedCustomObjectAsync(TaskRunApi.Group, TaskRunApi.V2, ns, TaskRunApi.Plural, name));

    public static async Task<V2TaskRun> ReplaceAsync(IKubernetes client, V2TaskRun taskRun) =>
        ToTaskRun(await client.CustomObjects.ReplaceNamespacedCustomObjectAsync(
            taskRun, TaskRunApi.Group, TaskRunApi.V2, taskRun.Metadata.NamespaceProperty, TaskRunApi.Plural, taskRun.Metadata.Name));

    public static async Task<V2TaskRun> ReplaceStatusAsync(IKubernetes client, V2TaskRun taskRun) =>
        ToTaskRun(await client.CustomObjects.ReplaceNamespacedCustomObjectStatusAsync(
            taskRun, TaskRunApi.Group, TaskRunApi.V2, taskRun.Metadata.NamespaceProperty, TaskRunApi.Plural, taskRun.Metadata.Name));

    public static async Task<V2TaskRunList> ListAsync(IKubernetes client, string ns) =>
        KubeJson.Deserialize<V2TaskRunList>((JsonElement)await client.CustomObjects.ListNamespacedCustomObjectAsync(
            TaskRunApi.Group, TaskRunApi.V2, ns, TaskRunApi.Plural))!;

    public static Task DeleteAsync(IKubernetes client, string ns, string name) =>
        client.CustomObjects.DeleteNamespacedCustomObjectAsync(TaskRunApi.Group, TaskRunApi.V2, ns, TaskRunApi.Plural, name);

    private static V2TaskRun ToTaskRun(object response) => KubeJson.Deserialize<V2TaskRun>((JsonElement)response)!;
}
