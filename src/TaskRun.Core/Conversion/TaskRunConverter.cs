using System.Text.Json;
using System.Text.Json.Nodes;
using TaskRun.Core.Api;
using TaskRun.Core.Serialization;

namespace TaskRun.Core.Conversion;

/// <summary>
/// Converts TaskRuns between v1 and v2 on their JSON form, so metadata and status pass through
/// byte-for-byte. v2 is the hub: v2-only spec fields ride through v1 in the
/// <see cref="TaskRunApi.V2SpecAnnotation"/> annotation, which v1→v2 restores and removes.
/// </summary>
public static class TaskRunConverter
{
    /// <summary>Returns a converted deep copy of <paramref name="taskRun"/> in <paramref name="desiredApiVersion"/>.</summary>
    /// <exception cref="ConversionException">The object or the desired version cannot be converted.</exception>
    public static JsonObject Convert(JsonObject taskRun, string desiredApiVersion)
    {
        ArgumentNullException.ThrowIfNull(taskRun);
        var from = taskRun["apiVersion"]?.GetValueKind() == JsonValueKind.String ? (string?)taskRun["apiVersion"] : null;
        if (from is not (TaskRunApi.V1ApiVersion or TaskRunApi.V2ApiVersion))
        {
            throw new ConversionException($"apiVersion \"{from}\" is not a TaskRun version; expected {TaskRunApi.V1ApiVersion} or {TaskRunApi.V2ApiVersion}");
        }

        if (desiredApiVersion is not (TaskRunApi.V1ApiVersion or TaskRunApi.V2ApiVersion))
        {
            throw new ConversionException($"desiredAPIVersion \"{desiredApiVersion}\" is not served; expected {TaskRunApi.V1ApiVersion} or {TaskRunApi.V2ApiVersion}");
        }

        var copy = (JsonObject)taskRun.DeepClone();
        if (from == desiredApiVersion)
        {
            return copy;
        }

        return desiredApiVersion == TaskRunApi.V1ApiVersion ? HubToV1(copy) : V1ToHub(copy);
    }

    public static V1TaskRun ToV1(V2TaskRun taskRun) =>
        KubeJson.Deserialize<V1TaskRun>(Convert(ToObject(taskRun), TaskRunApi.V1ApiVersion))!;

    public static V2TaskRun ToV2(V1TaskRun taskRun) =>
        KubeJson.Deserialize<V2TaskRun>(Convert(ToObject(taskRun), TaskRunApi.V2ApiVersion))!;

    private static JsonObject ToObject<T>(T value) => (JsonObject)KubeJson.ToNode(value)!;

    private static JsonObject HubToV1(JsonObject obj)
    {
        obj["apiVersion"] = TaskRunApi.V1ApiVersion;
        if (obj["spec"] is not JsonObject spec)
        {
            return obj;
        }

        var v1Spec = TakeSharedFields(spec);
        if (spec.Remove("files", out var files))
        {
            v1Spec["markdownFiles"] = RenameInItems(files, V2ToV1FileFields);
        }

        var retryHadAttempt = false;
        if (spec["retry"] is JsonObject retry && retry.Remove("attempt", out var attempt))
        {
            v1Spec["retryAttempt"] = attempt;
            retryHadAttempt = true;
        }

        // What is left of the v2 spec exists only in v2. An emptied retry object is implied by retryAttempt.
        if (retryHadAttempt && spec["retry"] is JsonObject { Count: 0 })
        {
            spec.Remove("retry");
        }

        var metadata = EnsureObject(obj, "metadata");
        // An annotation kept by v1→v2 for validation to refuse (see V1ToHub) stays: rewriting it would hide what the author wrote.
        if (!HoldsRefusedKeys(metadata))
        {
            if (spec.Count > 0)
            {
                EnsureObject(metadata, "annotations")[TaskRunApi.V2SpecAnnotation] = WithSortedKeys(spec).ToJsonString();
            }
            else
            {
                RemoveAnnotation(metadata);
            }
        }

        obj["spec"] = v1Spec;
        return obj;
    }

    /// <summary>A new spec holding the fields both versions spell the same way (<see cref="TaskRunSpecIdentity"/>), moved out of <paramref name="spec"/>.</summary>
    private static JsonObject TakeSharedFields(JsonObject spec)
    {
        var shared = new JsonObject();
        foreach (var field in SharedFields)
        {
            MoveIfPresent(spec, field, shared, field);
        }

        return shared;
    }

    private static JsonObject V1ToHub(JsonObject obj)
    {
        obj["apiVersion"] = TaskRunApi.V2ApiVersion;
        var annotationText = obj["metadata"]?["annotations"]?[TaskRunApi.V2SpecAnnotation]?.DeepClone();
        var v2Only = TakeV2OnlySpec(obj);
        // Keys v1 can state are never taken from the annotation (the v1 spec a reviewer reads is what runs); the
        // annotation stays on the object so that validation refuses it, naming those keys.
        if (v2Only is not null && V2SpecAnnotation.RemoveRefused(v2Only))
        {
            EnsureObject(EnsureObject(obj, "metadata"), "annotations")[TaskRunApi.V2SpecAnnotation] = annotationText;
        }
        if (obj["spec"] is not JsonObject spec)
        {
            if (v2Only is not null)
            {
                obj["spec"] = v2Only;
            }

            return obj;
        }

        var v2Spec = TakeSharedFields(spec);
        if (spec.Remove("markdownFiles", out var files))
        {
            v2Spec["files"] = RenameInItems(files, V1ToV2FileFields);
        }

        if (spec.Remove("retryAttempt", out var attempt))
        {
            v2Spec["retry"] = new JsonObject { ["attempt"] = attempt };
        }

        if (v2Only is not null)
        {
            foreach (var (key, value) in v2Only.ToList())
            {
                v2Only.Remove(key);
                if (key == "retry" && value is JsonObject extraRetry && v2Spec["retry"] is JsonObject retry)
                {
                    foreach (var (retryKey, retryValue) in extraRetry.ToList())
                    {
                        extraRetry.Remove(retryKey);
                        retry[retryKey] = retryValue;
                    }
                }
                else
                {
                    v2Spec[key] = value;
                }
            }
        }

        obj["spec"] = v2Spec;
        return obj;
    }

    private static bool HoldsRefusedKeys(JsonObject metadata) =>
        metadata["annotations"]?[TaskRunApi.V2SpecAnnotation] is JsonValue value && value.TryGetValue<string>(out var text) &&
        V2SpecAnnotation.Parse(text) is { } content && V2SpecAnnotation.RefusedKeys(content).Count > 0;

    /// <summary>Reads and removes the annotation that carries v2-only fields through v1.</summary>
    private static JsonObject? TakeV2OnlySpec(JsonObject obj)
    {
        if (obj["metadata"] is not JsonObject metadata ||
            metadata["annotations"] is not JsonObject annotations ||
            !annotations.TryGetPropertyValue(TaskRunApi.V2SpecAnnotation, out var raw))
        {
            return null;
        }

        RemoveAnnotation(metadata);
        try
        {
            return JsonNode.Parse((string?)raw ?? "") as JsonObject
                ?? throw new ConversionException($"annotation {TaskRunApi.V2SpecAnnotation} must hold a JSON object");
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException)
        {
            throw new ConversionException(
                $"annotation {TaskRunApi.V2SpecAnnotation} is not valid JSON ({e.Message}); it is written by the v1→v2 conversion: remove it or restore its original value",
                e);
        }
    }

    /// <summary>
    /// The annotation's keys in ordinal order, so its text does not depend on the order the v2 object's keys came in
    /// (v1→v2 puts <c>retry</c> before the annotation's fields): v1→v2→v1 then reproduces the annotation exactly.
    /// </summary>
    private static JsonObject WithSortedKeys(JsonObject spec) =>
        new(spec.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => KeyValuePair.Create(p.Key, p.Value?.DeepClone())));

    private static void RemoveAnnotation(JsonObject metadata)
    {
        if (metadata["annotations"] is JsonObject annotations)
        {
            annotations.Remove(TaskRunApi.V2SpecAnnotation);
            // Kubernetes drops an empty map, so an emptied one is removed to keep round trips exact.
            if (annotations.Count == 0)
            {
                metadata.Remove("annotations");
            }
        }
    }

    private static readonly string[] SharedFields = ["taskId", "serviceName", "priority"];

    private static readonly (string From, string To)[] V2ToV1FileFields = [("name", "filename"), ("type", "fileType"), ("content", "content")];
    private static readonly (string From, string To)[] V1ToV2FileFields = [("filename", "name"), ("fileType", "type"), ("content", "content")];

    private static JsonNode? RenameInItems(JsonNode? items, (string From, string To)[] renames)
    {
        if (items is not JsonArray array)
        {
            return items;
        }

        var result = new JsonArray();
        foreach (var item in array.ToList())
        {
            array.Remove(item);
            if (item is not JsonObject file)
            {
                result.Add(item);
                continue;
            }

            var renamed = new JsonObject();
            foreach (var (from, to) in renames)
            {
                MoveIfPresent(file, from, renamed, to);
            }

            result.Add((JsonNode)renamed);
        }

        return result;
    }

    private static void MoveIfPresent(JsonObject source, string sourceKey, JsonObject target, string targetKey)
    {
        if (source.Remove(sourceKey, out var value))
        {
            target[targetKey] = value;
        }
    }

    private static JsonObject EnsureObject(JsonObject parent, string key)
    {
        if (parent[key] is JsonObject existing)
        {
            return existing;
        }

        var created = new JsonObject();
        parent[key] = created;
        return created;
    }
}

/// <summary>A TaskRun that cannot be converted; the message says why and what to do.</summary>
public sealed class ConversionException : Exception
{
    public ConversionException(string message) : base(message) { }

    public ConversionException(string message, Exception inner) : base(message, inner) { }

    public ConversionException() { }
}
