using System.Text.Json.Serialization.Metadata;
using TaskRun.Core.Serialization;
using TaskRun.Core.Validation;

namespace TaskRun.Webhook.Admission;

/// <summary>What the TaskRun admission handlers share: the expected kind, and reading the objects of a request.</summary>
internal static class TaskRunObjects
{
    public static bool IsV2TaskRun(GroupVersionKind? kind) =>
        kind is { Group: TaskRunApi.Group, Version: TaskRunApi.V2, Kind: TaskRunApi.Kind };

    /// <summary>Anything but a v2 TaskRun is denied: the webhook is registered for v2 with matchPolicy Equivalent.</summary>
    public static AdmissionOutcome WrongKind(AdmissionRequest request) => AdmissionOutcome.Deny(AdmissionResponse.Deny(request.Uid!,
        ApiStatus.BadRequest($"this webhook handles {TaskRunApi.V2ApiVersion} {TaskRunApi.Kind} (registered for v2 with matchPolicy: Equivalent, so the API server converts v1 first); it was called for {request.Kind?.ToString() ?? "no kind"}")));

    /// <summary>KubeJson's conventions, except that file contents are skipped, not read into strings.</summary>
    private static readonly JsonSerializerOptions ContentsSkipped = new(KubeJson.Options)
    {
        TypeInfoResolver = new DefaultJsonTypeInfoResolver { Modifiers = { SkipFileContent } },
    };

    /// <summary>KubeJson's conventions, except that file contents are measured (<see cref="TaskFile.MeasuredContentBytes"/>), not read into strings.</summary>
    private static readonly JsonSerializerOptions ContentsMeasured = new(KubeJson.Options)
    {
        TypeInfoResolver = new DefaultJsonTypeInfoResolver { Modifiers = { MeasureFileContent } },
    };

    /// <summary>Reads <paramref name="element"/> as a v2 TaskRun, or explains which field could not be read.</summary>
    /// <param name="contents">
    /// What becomes of the files' contents. They are nearly all of the bytes, and a 1 MiB file read into a string
    /// is 2 MiB more per request: the mutating webhook skips them, the validating webhook only measures them.
    /// </param>
    public static bool TryRead(JsonElement? element, string role, bool sentAsV1, out V2TaskRun? taskRun, out ApiStatus? problem, FileContents contents = FileContents.Read)
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
            taskRun = contents switch
            {
                FileContents.Skipped => value.Deserialize<V2TaskRun>(ContentsSkipped),
                FileContents.Measured => value.Deserialize<V2TaskRun>(ContentsMeasured),
                _ => KubeJson.Deserialize<V2TaskRun>(value),
            };
        }
        catch (JsonException e)
        {
            problem = Unreadable(value, Field(FieldOf(e.Path), sentAsV1), "the value has the wrong type or shape for this field");
            return false;
        }
        catch (Exception e) when (e is FormatException or InvalidOperationException or OverflowException or ArgumentException)
        {
            // Thrown by value converters (e.g. a resource quantity), which do not say where.
            problem = FindUnreadableQuantity(value) is { } quantity
                ? Unreadable(value, Field(quantity.Field, sentAsV1), quantity.Message)
                : Unreadable(value, "<object>", $"a value could not be read: {e.Message}");
            return false;
        }

        if (taskRun is null)
        {
            problem = ApiStatus.BadRequest($"request.{role} could not be read as a TaskRun");
            return false;
        }

        return true;
    }

    private static void SkipFileContent(JsonTypeInfo type)
    {
        if (type.Type != typeof(TaskFile))
        {
            return;
        }

        foreach (var property in type.Properties)
        {
            if (property.Name == "content")
            {
                property.Set = null;
                property.ShouldSerialize = static (_, _) => false;
            }
        }
    }

    private static void MeasureFileContent(JsonTypeInfo type)
    {
        if (type.Type != typeof(TaskFile))
        {
            return;
        }

        for (var i = 0; i < type.Properties.Count; i++)
        {
            if (type.Properties[i].Name == "content")
            {
                var measured = type.CreateJsonPropertyInfo(typeof(long?), "content");
                measured.CustomConverter = new ContentLengthConverter();
                measured.Set = static (file, length) => ((TaskFile)file).MeasuredContentBytes = (long?)length;
                measured.ShouldSerialize = static (_, _) => false;
                type.Properties[i] = measured;
            }
        }
    }

    private static string Field(string field, bool sentAsV1) => sentAsV1 ? V1FieldPaths.Translate(field) : field;

    private static ApiStatus Unreadable(JsonElement value, string field, string message) =>
        ApiStatus.Invalid($"TaskRun is invalid: {field}: {message}; see `kubectl explain taskruns.spec`",
            new StatusDetails
            {
                Group = TaskRunApi.Group,
                Kind = TaskRunApi.Kind,
                Name = NameOf(value),
                Causes = [new StatusCause("FieldValueInvalid", message, field)],
            });

    /// <summary>The first agent resource quantity that does not parse, with a message that says how to write one.</summary>
    private static (string Field, string Message)? FindUnreadableQuantity(JsonElement taskRun)
    {
        if (!taskRun.TryGetProperty("spec", out var spec) || spec.ValueKind != JsonValueKind.Object ||
            !spec.TryGetProperty("agent", out var agent) || agent.ValueKind != JsonValueKind.Object ||
            !agent.TryGetProperty("resources", out var resources) || resources.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        foreach (var list in new[] { "requests", "limits" })
        {
            if (!resources.TryGetProperty(list, out var quantities) || quantities.ValueKind != JsonValueKind.Object)
            {
                continue;
            }

            foreach (var quantity in quantities.EnumerateObject())
            {
                var text = quantity.Value.ValueKind == JsonValueKind.String ? quantity.Value.GetString() : quantity.Value.GetRawText();
                if (!ResourceQuantities.IsValid(text ?? ""))
                {
                    return ($"spec.agent.resources.{list}.{quantity.Name}", $"\"{text}\" is not a resource quantity; write it like \"500m\", \"2\" or \"4Gi\"");
                }
            }
        }

        return null;
    }

    /// <summary>"$.spec.files[0].name" → "spec.files[0].name".</summary>
    private static string FieldOf(string? jsonPath) =>
        string.IsNullOrEmpty(jsonPath) || jsonPath == "$" ? "<object>" : jsonPath.TrimStart('$').TrimStart('.');

    private static string? NameOf(JsonElement value) =>
        value.TryGetProperty("metadata", out var metadata) && metadata.ValueKind == JsonValueKind.Object &&
        metadata.TryGetProperty("name", out var name) && name.ValueKind == JsonValueKind.String ? name.GetString() : null;
}
