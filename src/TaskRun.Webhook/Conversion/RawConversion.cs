using System.Buffers;
using TaskRun.Webhook.Hosting;

namespace TaskRun.Webhook.Conversion;

/// <summary>
/// The common ConversionReview answered in one pass over the request's bytes, straight into the answer: v1 objects
/// to v2 (the spec's fields renamed, everything else copied) and objects already in the desired version, with no
/// JSON tree of the objects. The answer is the same JSON as the one <see cref="ConversionHandler.Convert"/> gives (a
/// test holds the two to each other); string values keep the request's own escapes (<see cref="JsonCopy"/>).
/// The members must come in the order kube-apiserver writes them (the request's uid and desiredAPIVersion before
/// its objects, an object's apiVersion first). Anything else (v2 to v1, the <c>orchestrator.io/v2-spec</c>
/// annotation, another order, a malformed review, an object that cannot be converted) is left to the general
/// path: <see cref="TryWrite(ReadOnlySpan{byte}, Utf8JsonWriter, out Converted)"/> returns false and the caller
/// discards what was written. It can go over the review's skeleton instead (the v1 contents replaced by ordinals,
/// copied from the review as sent when written: the reader then skips nearly all of the bytes), and gives the same
/// bytes as over the review as sent, or false.
/// </summary>
internal static class RawConversion
{
    private const int MaxDepth = 128;

    /// <summary>What was converted, for metrics and the log line.</summary>
    internal readonly record struct Converted(string Uid, string DesiredApiVersion, int Objects, int FromV1);

    /// <summary>Writes the whole answer to <paramref name="body"/> into <paramref name="writer"/>; false when the general path must answer.</summary>
    public static bool TryWrite(ReadOnlySpan<byte> body, Utf8JsonWriter writer, out Converted converted)
    {
        var source = new ConversionSource(body);
        return TryWrite(ref source, writer, out converted);
    }

    /// <summary>
    /// Writes the whole answer to <paramref name="body"/> into <paramref name="writer"/>, reading its
    /// <paramref name="skeleton"/> and copying the replaced contents from the body; false when the review must be
    /// read as sent (also when a replaced content would have been copied other than as a converted file's content).
    /// </summary>
    public static bool TryWrite(ReadOnlySpan<byte> body, ReviewSkeleton skeleton, Utf8JsonWriter writer, out Converted converted)
    {
        ArgumentNullException.ThrowIfNull(skeleton);
        var source = new ConversionSource(body, skeleton);
        return TryWrite(ref source, writer, out converted) && source.TookEveryContent;
    }

    private static bool TryWrite(ref ConversionSource source, Utf8JsonWriter writer, out Converted converted)
    {
        ArgumentNullException.ThrowIfNull(writer);
        converted = default;
        try
        {
            var reader = new Utf8JsonReader(source.Json, new JsonReaderOptions { MaxDepth = MaxDepth });
            return TryWriteReview(ref reader, ref source, writer, out converted);
        }
        catch (JsonException)
        {
            return false; // malformed: the general path says what and where
        }
    }

    private static bool TryWriteReview(ref Utf8JsonReader reader, ref ConversionSource source, Utf8JsonWriter writer, out Converted converted)
    {
        converted = default;
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            return false;
        }

        bool apiVersionOk = false, kindOk = false, answered = false;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("apiVersion"u8))
            {
                reader.Read();
                apiVersionOk = reader.TokenType == JsonTokenType.String && reader.ValueTextEquals(ConversionReview.ApiVersionV1);
            }
            else if (reader.ValueTextEquals("kind"u8))
            {
                reader.Read();
                kindOk = reader.TokenType == JsonTokenType.String && reader.ValueTextEquals(ConversionReview.KindName);
            }
            else if (reader.ValueTextEquals("request"u8))
            {
                reader.Read();
                if (answered || reader.TokenType != JsonTokenType.StartObject || !TryWriteRequest(ref reader, ref source, writer, out converted))
                {
                    return false;
                }

                answered = true;
            }
            else if (reader.ValueTextEquals("response"u8))
            {
                // The API server sends an empty one; anything the general path could not read is left to it.
                reader.Read();
                if (!ResponseIsReadable(ref reader))
                {
                    return false;
                }
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }

        if (reader.TokenType != JsonTokenType.EndObject || !apiVersionOk || !kindOk || !answered)
        {
            return false;
        }

        writer.WriteStartObject("result");
        writer.WriteStartObject("metadata");
        writer.WriteEndObject();
        writer.WriteString("status", Admission.ApiStatus.Success);
        writer.WriteEndObject();
        writer.WriteEndObject();
        writer.WriteEndObject();
        return true;
    }

    /// <summary>The request's uid and desiredAPIVersion, then its objects converted into the answer's convertedObjects.</summary>
    private static bool TryWriteRequest(ref Utf8JsonReader reader, ref ConversionSource source, Utf8JsonWriter writer, out Converted converted)
    {
        converted = default;
        string? uid = null, desired = null;
        var objectsSeen = false;
        int count = 0, fromV1 = 0;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("uid"u8))
            {
                reader.Read();
                if (objectsSeen || reader.TokenType != JsonTokenType.String)
                {
                    return false;
                }

                uid = reader.GetString();
            }
            else if (reader.ValueTextEquals("desiredAPIVersion"u8))
            {
                reader.Read();
                if (objectsSeen || reader.TokenType != JsonTokenType.String)
                {
                    return false;
                }

                desired = reader.ValueTextEquals(TaskRunApi.V1ApiVersion) ? TaskRunApi.V1ApiVersion
                    : reader.ValueTextEquals(TaskRunApi.V2ApiVersion) ? TaskRunApi.V2ApiVersion
                    : null;
            }
            else if (reader.ValueTextEquals("objects"u8))
            {
                reader.Read();
                if (objectsSeen || string.IsNullOrEmpty(uid) || desired is null || reader.TokenType != JsonTokenType.StartArray)
                {
                    return false;
                }

                objectsSeen = true;
                writer.WriteStartObject();
                writer.WriteString("apiVersion", ConversionReview.ApiVersionV1);
                writer.WriteString("kind", ConversionReview.KindName);
                writer.WriteStartObject("response");
                writer.WriteString("uid", uid);
                writer.WriteStartArray("convertedObjects");
                while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                {
                    if (!TryConvertObject(ref reader, ref source, desired, writer, out var wasV1))
                    {
                        return false;
                    }

                    count++;
                    fromV1 += wasV1 ? 1 : 0;
                }

                writer.WriteEndArray();
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }

        if (!objectsSeen)
        {
            return false;
        }

        converted = new Converted(uid!, desired!, count, fromV1);
        return true;
    }

    /// <summary>One TaskRun to <paramref name="desired"/>: copied when it is in that version already, renamed when it is v1 and v2 is desired.</summary>
    private static bool TryConvertObject(ref Utf8JsonReader reader, ref ConversionSource source, string desired, Utf8JsonWriter writer, out bool fromV1)
    {
        fromV1 = false;
        if (reader.TokenType != JsonTokenType.StartObject || !reader.Read() ||
            reader.TokenType != JsonTokenType.PropertyName || !reader.ValueTextEquals("apiVersion"u8))
        {
            return false;
        }

        reader.Read();
        var from = reader.TokenType != JsonTokenType.String ? null
            : reader.ValueTextEquals(TaskRunApi.V1ApiVersion) ? TaskRunApi.V1ApiVersion
            : reader.ValueTextEquals(TaskRunApi.V2ApiVersion) ? TaskRunApi.V2ApiVersion
            : null;
        if (from is null || (from != desired && from != TaskRunApi.V1ApiVersion))
        {
            return false; // v2 to v1 builds the v2-spec annotation: the general path
        }

        fromV1 = from != desired;
        writer.WriteStartObject();
        writer.WritePropertyName("apiVersion"u8);
        if (fromV1)
        {
            writer.WriteStringValue(TaskRunApi.V2ApiVersion);
        }
        else
        {
            JsonCopy.Token(ref reader, writer);
        }

        bool kindOk = false, seenKind = false, seenMetadata = false, seenSpec = false;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("apiVersion"u8))
            {
                return false; // twice
            }

            var isKind = reader.ValueTextEquals("kind"u8);
            var isMetadata = reader.ValueTextEquals("metadata"u8);
            var isSpec = reader.ValueTextEquals("spec"u8);
            if ((isKind && !Once(ref seenKind)) || (isMetadata && !Once(ref seenMetadata)) || (isSpec && !Once(ref seenSpec)))
            {
                return false;
            }

            JsonCopy.PropertyName(ref reader, writer);
            reader.Read();
            if (isKind)
            {
                kindOk = reader.TokenType == JsonTokenType.String && reader.ValueTextEquals(TaskRunApi.Kind);
                JsonCopy.Token(ref reader, writer);
            }
            else if (fromV1 && isMetadata)
            {
                if (!TryCopyMetadata(ref reader, writer))
                {
                    return false;
                }
            }
            else if (fromV1 && isSpec && reader.TokenType == JsonTokenType.StartObject)
            {
                if (!TryWriteV2Spec(ref reader, ref source, writer))
                {
                    return false;
                }
            }
            else
            {
                JsonCopy.Value(ref reader, writer);
            }
        }

        writer.WriteEndObject();
        return kindOk;
    }

    /// <summary>
    /// The v2 spec of a v1 spec the reader is at: taskId, serviceName, priority, files (from markdownFiles),
    /// retry.attempt (from retryAttempt); v1's other keys have no place in v2. kube-apiserver sends markdownFiles
    /// first and v2 writes files fourth, so the members are found first and written in v2's order after: the small
    /// ones copied from the request, the files converted on the way into a buffer of their own (the file contents
    /// are read once).
    /// </summary>
    private static bool TryWriteV2Spec(ref Utf8JsonReader reader, ref ConversionSource source, Utf8JsonWriter writer)
    {
        ReadOnlySpan<string> keys = ["taskId", "serviceName", "priority", "markdownFiles", "retryAttempt"];
        const int MarkdownFiles = 3;
        Span<(int Start, int End)> found = stackalloc (int, int)[5];
        found.Clear();
        using var files = new PooledBufferWriter(source.BodyLength);
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var index = -1;
            for (var i = 0; i < keys.Length; i++)
            {
                if (reader.ValueTextEquals(keys[i]))
                {
                    index = i;
                    break;
                }
            }

            reader.Read();
            if (index >= 0 && found[index].End != 0)
            {
                return false; // given twice
            }

            var start = (int)reader.TokenStartIndex;
            if (index == MarkdownFiles)
            {
                using var filesWriter = new Utf8JsonWriter(files, writer.Options);
                if (!TryWriteV2Files(ref reader, ref source, filesWriter))
                {
                    return false;
                }

                filesWriter.Flush();
            }
            else
            {
                reader.Skip();
            }

            if (index >= 0)
            {
                found[index] = (start, (int)reader.BytesConsumed);
            }
        }

        writer.WriteStartObject();
        for (var i = 0; i < 3; i++)
        {
            if (found[i].End != 0)
            {
                writer.WritePropertyName(keys[i]);
                JsonCopy.Value(source.Json[found[i].Start..found[i].End], writer);
            }
        }

        if (found[MarkdownFiles].End != 0)
        {
            writer.WritePropertyName("files"u8);
            writer.WriteRawValue(files.WrittenSpan, skipInputValidation: true);
        }

        if (found[4].End != 0)
        {
            writer.WriteStartObject("retry"u8);
            writer.WritePropertyName("attempt"u8);
            JsonCopy.Value(source.Json[found[4].Start..found[4].End], writer);
            writer.WriteEndObject();
        }

        writer.WriteEndObject();
        return true;
    }

    /// <summary>markdownFiles as v2 files: each object's filename, fileType and content as name, type and content (in that order); anything else as it is.</summary>
    private static bool TryWriteV2Files(ref Utf8JsonReader reader, ref ConversionSource source, Utf8JsonWriter writer)
    {
        if (reader.TokenType != JsonTokenType.StartArray)
        {
            JsonCopy.Value(ref reader, writer);
            return true;
        }

        writer.WriteStartArray();
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (reader.TokenType != JsonTokenType.StartObject)
            {
                JsonCopy.Value(ref reader, writer);
                continue;
            }

            (int Start, int End) name = default, type = default, content = default;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var which = reader.ValueTextEquals("filename"u8) ? 1 : reader.ValueTextEquals("fileType"u8) ? 2 : reader.ValueTextEquals("content"u8) ? 3 : 0;
                reader.Read();
                var start = (int)reader.TokenStartIndex;
                reader.Skip();
                ref var slot = ref which == 1 ? ref name : ref which == 2 ? ref type : ref content;
                if (which != 0)
                {
                    if (slot.End != 0)
                    {
                        return false;
                    }

                    slot = (start, (int)reader.BytesConsumed);
                }
            }

            writer.WriteStartObject();
            if (name.End != 0)
            {
                writer.WritePropertyName("name"u8);
                JsonCopy.ReadValue(source.Json[name.Start..name.End], writer);
            }

            if (type.End != 0)
            {
                writer.WritePropertyName("type"u8);
                JsonCopy.ReadValue(source.Json[type.Start..type.End], writer);
            }

            if (content.End != 0)
            {
                if (!source.TryContent(content.Start..content.End, out var value))
                {
                    return false;
                }

                writer.WritePropertyName("content"u8);
                JsonCopy.ReadValue(value, writer);
            }

            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        return true;
    }

    /// <summary>
    /// Copies the metadata the reader is at (null or an object); false when it is neither, or when its annotations
    /// are neither null nor an object or carry the v2-spec annotation (v1 to v2 then restores fields from it).
    /// </summary>
    private static bool TryCopyMetadata(ref Utf8JsonReader reader, Utf8JsonWriter writer)
    {
        if (reader.TokenType == JsonTokenType.Null)
        {
            writer.WriteNullValue();
            return true;
        }

        if (reader.TokenType != JsonTokenType.StartObject)
        {
            return false;
        }

        writer.WriteStartObject();
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var isAnnotations = reader.ValueTextEquals("annotations"u8);
            JsonCopy.PropertyName(ref reader, writer);
            reader.Read();
            if (!isAnnotations || reader.TokenType == JsonTokenType.Null)
            {
                JsonCopy.Value(ref reader, writer);
                continue;
            }

            if (reader.TokenType != JsonTokenType.StartObject)
            {
                return false;
            }

            writer.WriteStartObject();
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals(TaskRunApi.V2SpecAnnotation))
                {
                    return false;
                }

                JsonCopy.PropertyName(ref reader, writer);
                reader.Read();
                JsonCopy.Value(ref reader, writer);
            }

            writer.WriteEndObject();
        }

        writer.WriteEndObject();
        return true;
    }

    /// <summary>
    /// A <c>response</c> in the request that the general path reads without error: null, or an object whose known
    /// members have their types (uid, result.status/message/reason strings, result.code a number, result.metadata
    /// strings, convertedObjects an array) and no result.details.
    /// </summary>
    private static bool ResponseIsReadable(ref Utf8JsonReader reader)
    {
        if (reader.TokenType == JsonTokenType.Null)
        {
            return true;
        }

        if (reader.TokenType != JsonTokenType.StartObject)
        {
            return false;
        }

        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var member = reader.ValueTextEquals("uid"u8) ? 1 : reader.ValueTextEquals("convertedObjects"u8) ? 2 : reader.ValueTextEquals("result"u8) ? 3 : 0;
            reader.Read();
            var readable = member switch
            {
                1 => reader.TokenType is JsonTokenType.String or JsonTokenType.Null,
                2 => reader.TokenType is JsonTokenType.StartArray or JsonTokenType.Null,
                3 => ResultIsReadable(ref reader),
                _ => true,
            };
            if (!readable)
            {
                return false;
            }

            reader.Skip();
        }

        return true;
    }

    private static bool ResultIsReadable(ref Utf8JsonReader reader)
    {
        if (reader.TokenType == JsonTokenType.Null)
        {
            return true;
        }

        if (reader.TokenType != JsonTokenType.StartObject)
        {
            return false;
        }

        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("metadata"u8))
            {
                reader.Read();
                if (reader.TokenType == JsonTokenType.Null)
                {
                    continue;
                }

                if (reader.TokenType != JsonTokenType.StartObject)
                {
                    return false;
                }

                while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                {
                    reader.Read();
                    if (reader.TokenType is not (JsonTokenType.String or JsonTokenType.Null))
                    {
                        return false;
                    }
                }

                continue;
            }

            var text = reader.ValueTextEquals("status"u8) || reader.ValueTextEquals("message"u8) || reader.ValueTextEquals("reason"u8);
            var code = reader.ValueTextEquals("code"u8);
            var details = reader.ValueTextEquals("details"u8);
            reader.Read();
            if ((text && reader.TokenType is not (JsonTokenType.String or JsonTokenType.Null)) ||
                (code && reader.TokenType != JsonTokenType.Null && !(reader.TokenType == JsonTokenType.Number && reader.TryGetInt32(out _))) ||
                (details && reader.TokenType != JsonTokenType.Null))
            {
                return false;
            }

            reader.Skip();
        }

        return true;
    }

    private static bool Once(ref bool seen)
    {
        if (seen)
        {
            return false;
        }

        seen = true;
        return true;
    }
}
