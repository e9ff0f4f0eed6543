using System.Text.Json;
using TaskRun.Core.Api;
using TaskRun.Core.Serialization;

namespace TaskRun.Webhook.Admission;

/// <summary>What the TaskRun admission handlers share: the expected kind, and reading the objects of a request.</summary>
internal static class TaskRunObjects
{
    public const string Create = "CREATE";
    public const string Update = "UPDATE";
    public const string Delete = "DELETE";

    public static bool IsV2TaskRun(GroupVersionKind? kind) =>
        kind is { Group: TaskRunApi.Group, Version: TaskRunApi.V2, Kind: TaskRunApi.Kind };

    /// <summary>Anything but a v2 TaskRun is denied: the webhook is registered for v2 with matchPolicy Equivalent.</summary>
    public static AdmissionOutcome WrongKind(AdmissionRequest request) => AdmissionOutcome.Deny(AdmissionResponse.Deny(request.Uid!,
        ApiStatus.BadRequest($"this webhook handles {TaskRunApi.V2ApiVersion} {TaskRunApi.Kind} (registered for v2 with matchPolicy: Equivalent, so the API server converts v1 first); it was called for {request.Kind?.ToString() ?? "no kind"}")));

    /// <summary>An operation the handler does not know is denied, not allowed.</summary>
    public static AdmissionOutcome UnknownOperation(AdmissionRequest request) => AdmissionOutcome.Deny(AdmissionResponse.Deny(request.Uid!,
        ApiStatus.BadRequest($"operation \"{request.Operation}\" is not handled here; expected CREATE or UPDATE")));

    /// <summary>Reads <paramref name="element"/> as a v2 TaskRun, or explains which field could not be read.</summary>
    public static bool TryRead(JsonElement? element, string role, out V2TaskRun? taskRun, out ApiStatus? problem)
    {
        taskRun = null;
        problem = null;
        if (element is not { ValueKind: JsonValueKind.Object } value)
        {
            problem = ApiStatus.BadRequest($"request.{role} is missing or not a JSON object; a TaskRun was expected");
            return false;
        }

        try
        {
            taskRun = KubeJson.Deserialize<V2TaskRun>(value);
        }
        catch (JsonException e)
        {
            var field = FieldOf(e.Path);
            problem = ApiStatus.Invalid($"TaskRun is invalid: {field}: the value has the wrong type or shape for this field; see `kubectl explain taskruns.{field}`",
                new StatusDetails
                {
                    Group = TaskRunApi.Group,
                    Kind = TaskRunApi.Kind,
                    Name = NameOf(value),
                    Causes = [new StatusCause("FieldValueInvalid", "the value has the wrong type or shape for this field", field)],
                });
            return false;
        }

        if (taskRun is null)
        {
            problem = ApiStatus.BadRequest($"request.{role} could not be read as a TaskRun");
            return false;
        }

        return true;
    }

    /// <summary>"$.spec.files[0].name" → "spec.files[0].name".</summary>
    private static string FieldOf(string? jsonPath) =>
        string.IsNullOrEmpty(jsonPath) || jsonPath == "$" ? "<object>" : jsonPath.TrimStart('$').TrimStart('.');

    private static string? NameOf(JsonElement value) =>
        value.TryGetProperty("metadata", out var metadata) && metadata.ValueKind == JsonValueKind.Object &&
        metadata.TryGetProperty("name", out var name) && name.ValueKind == JsonValueKind.String ? name.GetString() : null;
}
