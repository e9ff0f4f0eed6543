using TaskRun.Webhook.Hosting;
using TaskRun.Webhook.Patching;

namespace TaskRun.Webhook.Admission;

/// <summary>
/// The RFC 6902 patch for what the mutating webhook changes, written straight from the few values it can change
/// (the finalizer, the mirrored labels, <c>spec.priority</c>, <c>spec.retry.attempt</c>) as they were before and
/// after: no JSON tree of the object, no diff. The operations, their order and their JSON are exactly those of
/// <see cref="JsonPatchDiff.CreateForRaw"/> over the object written out before and after (a test holds the two
/// to each other), for a raw object that has <c>metadata</c> and <c>spec</c> objects; for any other, the caller
/// diffs (<see cref="Capture"/> returns null).
/// </summary>
internal sealed class DefaultingPatch
{
    private readonly List<string>? finalizers;
    private readonly Dictionary<string, string>? labels;
    private readonly string? priority;
    private readonly bool hadRetry;
    private readonly int? attempt;

    private DefaultingPatch(V2TaskRun taskRun)
    {
        finalizers = taskRun.Metadata.Finalizers is { } list ? [.. list] : null;
        labels = taskRun.Metadata.Labels is { } map ? new Dictionary<string, string>(map) : null;
        priority = taskRun.Spec.Priority;
        hadRetry = taskRun.Spec.Retry is not null;
        attempt = taskRun.Spec.Retry?.Attempt;
    }

    /// <summary>What <paramref name="taskRun"/>, read from <paramref name="raw"/>, holds before defaulting; null when the patch must be diffed.</summary>
    public static DefaultingPatch? Capture(JsonElement raw, V2TaskRun taskRun) =>
        raw.ValueKind == JsonValueKind.Object &&
        raw.TryGetProperty("metadata", out var metadata) && metadata.ValueKind == JsonValueKind.Object &&
        raw.TryGetProperty("spec", out var spec) && spec.ValueKind == JsonValueKind.Object
            ? Capture(taskRun)
            : null;

    /// <summary>What <paramref name="taskRun"/> holds before defaulting, for a raw object known to have <c>metadata</c> and <c>spec</c> objects.</summary>
    public static DefaultingPatch? Capture(V2TaskRun taskRun) =>
        taskRun.Metadata is not null && taskRun.Spec is not null ? new DefaultingPatch(taskRun) : null;

    /// <summary>The patch from the captured state to <paramref name="after"/> as UTF-8 JSON; null when nothing changed.</summary>
    public byte[]? Write(V2TaskRun after)
    {
        ArgumentNullException.ThrowIfNull(after);
        // Pooled: the writer asks for at least 4 KiB at once, which a new array would spend most of its time zeroing.
        using var buffer = new PooledBufferWriter(4096);
        var count = 0;
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartArray();
            // The order of the members as the object is written out: metadata (finalizers, labels), then spec.
            count += WriteFinalizers(writer, after.Metadata.Finalizers);
            count += WriteLabels(writer, after.Metadata.Labels);
            if (after.Spec.Priority is { } newPriority && newPriority != priority)
            {
                WriteOperation(writer, priority is null ? JsonPatchOperation.Add : JsonPatchOperation.Replace, "/spec/priority");
                writer.WriteStringValue(newPriority);
                writer.WriteEndObject();
                count++;
            }

            count += WriteRetry(writer, after.Spec.Retry);
            writer.WriteEndArray();
        }

        return count == 0 ? null : buffer.WrittenSpan.ToArray();
    }

    private int WriteFinalizers(Utf8JsonWriter writer, IList<string>? now)
    {
        if (now is null || (finalizers is not null && now.Count <= finalizers.Count))
        {
            return 0;
        }

        if (finalizers is null)
        {
            WriteOperation(writer, JsonPatchOperation.Add, "/metadata/finalizers");
            writer.WriteStartArray();
            foreach (var finalizer in now)
            {
                writer.WriteStringValue(finalizer);
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
            return 1;
        }

        for (var i = finalizers.Count; i < now.Count; i++)
        {
            WriteOperation(writer, JsonPatchOperation.Add, "/metadata/finalizers/" + i.ToString(System.Globalization.CultureInfo.InvariantCulture));
            writer.WriteStringValue(now[i]);
            writer.WriteEndObject();
        }

        return now.Count - finalizers.Count;
    }

    private int WriteLabels(Utf8JsonWriter writer, IDictionary<string, string>? now)
    {
        if (now is null)
        {
            return 0;
        }

        if (labels is null)
        {
            WriteOperation(writer, JsonPatchOperation.Add, "/metadata/labels");
            writer.WriteStartObject();
            foreach (var (key, value) in now)
            {
                writer.WritePropertyName(key);
                WriteString(writer, value);
            }

            writer.WriteEndObject();
            writer.WriteEndObject();
            return 1;
        }

        var count = 0;
        foreach (var (key, value) in now)
        {
            var existed = labels.TryGetValue(key, out var before);
            if (existed && before == value)
            {
                continue;
            }

            WriteOperation(writer, existed ? JsonPatchOperation.Replace : JsonPatchOperation.Add, JsonPatchDiff.ToPointer(["metadata", "labels", key]));
            WriteString(writer, value);
            writer.WriteEndObject();
            count++;
        }

        return count;
    }

    private int WriteRetry(Utf8JsonWriter writer, RetrySpec? now)
    {
        if (now is null)
        {
            return 0;
        }

        if (!hadRetry)
        {
            WriteOperation(writer, JsonPatchOperation.Add, "/spec/retry");
            writer.WriteStartObject();
            if (now.Attempt is { } newAttempt)
            {
                writer.WriteNumber("attempt", newAttempt);
            }

            if (now.MaxRetries is { } maxRetries)
            {
                writer.WriteNumber("maxRetries", maxRetries);
            }

            writer.WriteEndObject();
            writer.WriteEndObject();
            return 1;
        }

        if (now.Attempt is not { } value || value == attempt)
        {
            return 0;
        }

        WriteOperation(writer, attempt is null ? JsonPatchOperation.Add : JsonPatchOperation.Replace, "/spec/retry/attempt");
        writer.WriteNumberValue(value);
        writer.WriteEndObject();
        return 1;
    }

    /// <summary>Opens an operation up to its value; the caller writes the value and closes the object.</summary>
    private static void WriteOperation(Utf8JsonWriter writer, string op, string path)
    {
        writer.WriteStartObject();
        writer.WriteString("op", op);
        writer.WriteString("path", path);
        writer.WritePropertyName("value");
    }

    private static void WriteString(Utf8JsonWriter writer, string? value)
    {
        if (value is null)
        {
            writer.WriteNullValue();
        }
        else
        {
            writer.WriteStringValue(value);
        }
    }
}
