using System.Text.Json;
using TaskRun.Core.Serialization;

namespace TaskRun.Controller.Reconciliation;

/// <summary>Writes to TaskRuns: the finalizer (JSON patch guarded by a test) and the status subresource.</summary>
public sealed class TaskRunWriter(IKubernetes client) : ITaskRunWriter
{
    /// <summary>The TaskRun as the API server has it now, or null when it is gone.</summary>
    public async Task<V2TaskRun?> ReadAsync(V2TaskRun taskRun, CancellationToken cancellationToken)
    {
        try
        {
            var response = await client.CustomObjects.GetNamespacedCustomObjectAsync(
                TaskRunApi.Group, TaskRunApi.V2, taskRun.Metadata.NamespaceProperty, TaskRunApi.Plural, taskRun.Metadata.Name,
                cancellationToken: cancellationToken);
            var current = KubeJson.Deserialize<V2TaskRun>((JsonElement)response)!;
            return current.Metadata.Uid == taskRun.Metadata.Uid ? current : null;
        }
        catch (Exception e) when (KubernetesErrors.IsNotFound(e))
        {
            return null;
        }
    }

    public async Task<V2TaskRun> AddFinalizerAsync(V2TaskRun taskRun, CancellationToken cancellationToken)
    {
        var finalizers = taskRun.Metadata.Finalizers;
        var patch = finalizers is null || finalizers.Count == 0
            ? $$"""[{"op":"test","path":"/metadata/resourceVersion","value":"{{taskRun.Metadata.ResourceVersion}}"},{"op":"add","path":"/metadata/finalizers","value":["{{TaskRunApi.Finalizer}}"]}]"""
            : $$"""[{"op":"test","path":"/metadata/resourceVersion","value":"{{taskRun.Metadata.ResourceVersion}}"},{"op":"add","path":"/metadata/finalizers/-","value":"{{TaskRunApi.Finalizer}}"}]""";
        return await PatchAsync(taskRun, patch, cancellationToken);
    }

    public async Task<V2TaskRun> RemoveFinalizerAsync(V2TaskRun taskRun, CancellationToken cancellationToken)
    {
        var index = taskRun.Metadata.Finalizers?.IndexOf(TaskRunApi.Finalizer) ?? -1;
        if (index < 0)
        {
            return taskRun;
        }

        // The test makes the removal hit exactly our entry even if the list changed meanwhile.
        var patch = $$"""[{"op":"test","path":"/metadata/finalizers/{{index}}","value":"{{TaskRunApi.Finalizer}}"},{"op":"remove","path":"/metadata/finalizers/{{index}}"}]""";
        return await PatchAsync(taskRun, patch, cancellationToken);
    }

    /// <summary>
    /// Replaces the status; the resourceVersion in the body makes a stale write fail with 409 instead of overwriting.
    /// The API server takes only the status from a /status update (everything else comes from the stored object),
    /// so the body carries no spec and only the metadata that identifies the object: the files are not sent again.
    /// </summary>
    public async Task<V2TaskRun> ReplaceStatusAsync(V2TaskRun taskRun, TaskRunStatus status, CancellationToken cancellationToken)
    {
        var metadata = taskRun.Metadata;
        var body = new V2TaskRun
        {
            Metadata = new V1ObjectMeta { Name = metadata.Name, NamespaceProperty = metadata.NamespaceProperty, Uid = metadata.Uid, ResourceVersion = metadata.ResourceVersion },
            Spec = new V2TaskRunSpec(),
            Status = status,
        };
        var response = await client.CustomObjects.ReplaceNamespacedCustomObjectStatusAsync(
            body, TaskRunApi.Group, TaskRunApi.V2, taskRun.Metadata.NamespaceProperty, TaskRunApi.Plural, taskRun.Metadata.Name,
            fieldManager: TaskRunApi.FieldManager, cancellationToken: cancellationToken);
        return KubeJson.Deserialize<V2TaskRun>((JsonElement)response)!;
    }

    private async Task<V2TaskRun> PatchAsync(V2TaskRun taskRun, string jsonPatch, CancellationToken cancellationToken)
    {
        var response = await client.CustomObjects.PatchNamespacedCustomObjectAsync(
            new V1Patch(jsonPatch, V1Patch.PatchType.JsonPatch), TaskRunApi.Group, TaskRunApi.V2,
            taskRun.Metadata.NamespaceProperty, TaskRunApi.Plural, taskRun.Metadata.Name,
            fieldManager: TaskRunApi.FieldManager, cancellationToken: cancellationToken);
        return KubeJson.Deserialize<V2TaskRun>((JsonElement)response)!;
    }
}
