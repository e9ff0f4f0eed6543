using System.Buffers;
using System.Text;
using System.Text.Json.Nodes;

namespace TaskRun.Webhook.Patching;

/// <summary>One RFC 6902 operation; <see cref="Segments"/> are unescaped JSON Pointer tokens.</summary>
internal sealed record JsonPatchOperation(string Op, IReadOnlyList<string> Segments, JsonNode? Value)
{
    public const string Add = "add";
    public const string Remove = "remove";
    public const string Replace = "replace";

    /// <summary>The RFC 6901 pointer: each token prefixed with '/', '~' written as "~0" and '/' as "~1".</summary>
    public string Path => JsonPatchDiff.ToPointer(Segments);

    public override string ToString() => Value is null && Op == Remove ? $"{Op} {Path}" : $"{Op} {Path} {Value?.ToJsonString() ?? "null"}";
}

/// <summary>
/// A small RFC 6902 diff: the add/remove/replace operations that turn one JSON document into another. Objects
/// are compared member by member; arrays element by element, with the tail removed (from the end, so indices
/// stay valid) or appended. Tested against Microsoft.AspNetCore.JsonPatch.SystemTextJson as an oracle.
/// </summary>
internal static class JsonPatchDiff
{
    /// <summary>The operations that turn <paramref name="from"/> into <paramref name="to"/>.</summary>
    public static List<JsonPatchOperation> Create(JsonNode? from, JsonNode? to)
    {
        var operations = new List<JsonPatchOperation>();
        Diff(from, to, [], operations);
        return operations;
    }

    /// <summary>
    /// The operations that turn <paramref name="from"/> into <paramref name="to"/>, made valid for
    /// <paramref name="raw"/>, the document the API server will apply them to. <paramref name="from"/> is
    /// <paramref name="raw"/> read into a typed object and written back, so it can hold containers that
    /// <paramref name="raw"/> lacks or has as null (e.g. an empty <c>spec</c>, or labels after defaulting):
    /// an operation below such a container becomes one <c>add</c> of the whole container, taken from
    /// <paramref name="to"/>, since RFC 6902 never creates missing parents.
    /// </summary>
    public static List<JsonPatchOperation> CreateForRaw(JsonElement raw, JsonNode? from, JsonNode? to)
    {
        var operations = new List<JsonPatchOperation>();
        var addedContainers = new List<IReadOnlyList<string>>();
        foreach (var operation in Create(from, to))
        {
            if (addedContainers.Any(added => IsPrefix(added, operation.Segments)))
            {
                continue;
            }

            var missingAt = FirstMissingParent(raw, operation.Segments);
            if (missingAt < 0)
            {
                var targetExists = TryNavigate(raw, operation.Segments, out _);
                if (operation.Op == JsonPatchOperation.Remove && !targetExists)
                {
                    continue;
                }

                // "replace" needs an existing target; "add" sets or creates an object member.
                operations.Add(operation.Op == JsonPatchOperation.Replace && !targetExists ? operation with { Op = JsonPatchOperation.Add } : operation);
                continue;
            }

            var container = operation.Segments.Take(missingAt + 1).ToArray();
            if (TryNavigate(to, container, out var value))
            {
                operations.Add(new JsonPatchOperation(JsonPatchOperation.Add, container, value?.DeepClone()));
                addedContainers.Add(container);
            }
        }

        return operations;
    }

    /// <summary>The patch as the JSON text the API server expects (an array of operations), in UTF-8.</summary>
    public static byte[] ToUtf8Json(IReadOnlyList<JsonPatchOperation> operations)
    {
        ArgumentNullException.ThrowIfNull(operations);
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartArray();
            foreach (var operation in operations)
            {
                writer.WriteStartObject();
                writer.WriteString("op", operation.Op);
                writer.WriteString("path", operation.Path);
                if (operation.Op != JsonPatchOperation.Remove)
                {
                    writer.WritePropertyName("value");
                    if (operation.Value is null)
                    {
                        writer.WriteNullValue();
                    }
                    else
                    {
                        operation.Value.WriteTo(writer);
                    }
                }

                writer.WriteEndObject();
            }

            writer.WriteEndArray();
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>RFC 6901: "~" is written "~0" and "/" is written "~1", in that order.</summary>
    public static string ToPointer(IReadOnlyList<string> segments)
    {
        ArgumentNullException.ThrowIfNull(segments);
        var text = new StringBuilder();
        foreach (var segment in segments)
        {
            text.Append('/').Append(segment.Replace("~", "~0", StringComparison.Ordinal).Replace("/", "~1", StringComparison.Ordinal));
        }

        return text.ToString();
    }

    // One pass over both trees: containers of the same kind are compared member by member, anything else by
    // value, so no subtree is compared twice (a DeepEquals at every level would be quadratic in the depth).
    private static void Diff(JsonNode? from, JsonNode? to, List<string> path, List<JsonPatchOperation> operations)
    {
        if (from is JsonObject fromObject && to is JsonObject toObject)
        {
            foreach (var (key, _) in fromObject)
            {
                if (!toObject.ContainsKey(key))
                {
                    operations.Add(new(JsonPatchOperation.Remove, [.. path, key], null));
                }
            }

            foreach (var (key, toValue) in toObject)
            {
                if (!fromObject.TryGetPropertyValue(key, out var fromValue))
                {
                    operations.Add(new(JsonPatchOperation.Add, [.. path, key], toValue?.DeepClone()));
                    continue;
                }

                path.Add(key);
                Diff(fromValue, toValue, path, operations);
                path.RemoveAt(path.Count - 1);
            }

            return;
        }

        if (from is JsonArray fromArray && to is JsonArray toArray)
        {
            var common = Math.Min(fromArray.Count, toArray.Count);
            for (var i = 0; i < common; i++)
            {
                path.Add(Index(i));
                Diff(fromArray[i], toArray[i], path, operations);
                path.RemoveAt(path.Count - 1);
            }

            for (var i = fromArray.Count - 1; i >= toArray.Count; i--)
            {
                operations.Add(new(JsonPatchOperation.Remove, [.. path, Index(i)], null));
            }

            for (var i = fromArray.Count; i < toArray.Count; i++)
            {
                operations.Add(new(JsonPatchOperation.Add, [.. path, Index(i)], toArray[i]?.DeepClone()));
            }

            return;
        }

        if (!JsonNode.DeepEquals(from, to))
        {
            operations.Add(new(JsonPatchOperation.Replace, [.. path], to?.DeepClone()));
        }
    }

    private static string Index(int i) => i.ToString(System.Globalization.CultureInfo.InvariantCulture);

    private static bool IsPrefix(IReadOnlyList<string> prefix, IReadOnlyList<string> path) =>
        prefix.Count <= path.Count && prefix.Select((segment, i) => segment == path[i]).All(same => same);

    /// <summary>The index of the first parent of the target that is missing, null or not a container in <paramref name="raw"/>; -1 when all exist.</summary>
    private static int FirstMissingParent(JsonElement raw, IReadOnlyList<string> segments)
    {
        var node = raw;
        for (var i = 0; i < segments.Count - 1; i++)
        {
            if (!TryChild(node, segments[i], out var child) || child.ValueKind is not (JsonValueKind.Object or JsonValueKind.Array))
            {
                return i;
            }

            node = child;
        }

        return -1;
    }

    private static bool TryNavigate(JsonElement raw, IReadOnlyList<string> segments, out JsonElement found)
    {
        found = raw;
        foreach (var segment in segments)
        {
            if (!TryChild(found, segment, out found))
            {
                return false;
            }
        }

        return true;
    }

    private static bool TryChild(JsonElement node, string segment, out JsonElement child)
    {
        child = default;
        return node.ValueKind switch
        {
            JsonValueKind.Object => node.TryGetProperty(segment, out child),
            JsonValueKind.Array => int.TryParse(segment, out var index) && index >= 0 && index < node.GetArrayLength() && Assign(node[index], out child),
            _ => false,
        };
    }

    private static bool Assign(JsonElement value, out JsonElement target)
    {
        target = value;
        return true;
    }

    private static bool TryNavigate(JsonNode? node, IReadOnlyList<string> segments, out JsonNode? found)
    {
        found = node;
        foreach (var segment in segments)
        {
            switch (found)
            {
                case JsonObject obj when obj.TryGetPropertyValue(segment, out var child):
                    found = child;
                    break;
                case JsonArray array when int.TryParse(segment, out var index) && index >= 0 && index < array.Count:
                    found = array[index];
                    break;
                default:
                    found = null;
                    return false;
            }
        }

        return true;
    }
}
