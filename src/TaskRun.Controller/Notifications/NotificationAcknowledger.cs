using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using k8s.Autorest;
using TaskRun.Core.Serialization;

namespace TaskRun.Controller.Notifications;

/// <summary>
/// Removes a delivered notification from the TaskRun's status with a JSON patch whose test pins the entry's id,
/// so it removes exactly that entry whatever else changed meanwhile (no resourceVersion, so no conflict with the
/// reconciler's own writes). Should the list have moved, it reads the object again and retries.
/// </summary>
public sealed class NotificationAcknowledger(IKubernetes client)
{
    private const int Attempts = 3;

    public async Task AcknowledgeAsync(ObjectKey key, IReadOnlyList<PendingNotification>? known, string id, CancellationToken cancellationToken)
    {
        var current = known;
        for (var attempt = 1; attempt <= Attempts; attempt++)
        {
            current ??= (await ReadAsync(key, cancellationToken))?.Status?.Notifications;
            var index = current?.ToList().FindIndex(n => n.Id == id) ?? -1;
            if (index < 0)
            {
                return;
            }

            var patch = new JsonArray(
                new JsonObject { ["op"] = "test", ["path"] = $"/status/notifications/{index}/id", ["value"] = id },
                new JsonObject { ["op"] = "remove", ["path"] = $"/status/notifications/{index}" }).ToJsonString();
            try
            {
                await client.CustomObjects.PatchNamespacedCustomObjectStatusAsync(
                    new V1Patch(patch, V1Patch.PatchType.JsonPatch), TaskRunApi.Group, TaskRunApi.V2, key.Namespace, TaskRunApi.Plural, key.Name,
                    fieldManager: TaskRunApi.FieldManager, cancellationToken: cancellationToken);
                return;
            }
            catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
            {
                return;
            }
            catch (HttpOperationException e) when (e.Response.StatusCode is HttpStatusCode.UnprocessableEntity or HttpStatusCode.Conflict && attempt < Attempts)
            {
                // The entry moved (another removal, or a new transition): look again.
                current = null;
            }
        }
    }

    private async Task<V2TaskRun?> ReadAsync(ObjectKey key, CancellationToken cancellationToken)
    {
        try
        {
            var response = await client.CustomObjects.GetNamespacedCustomObjectStatusAsync(
                TaskRunApi.Group, TaskRunApi.V2, key.Namespace, TaskRunApi.Plural, key.Name, cancellationToken);
            return KubeJson.Deserialize<V2TaskRun>((JsonElement)response);
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
    }
}
