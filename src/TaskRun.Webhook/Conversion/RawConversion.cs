using System.Buffers;
using System.Text.Json;
using TaskRun.Core.Api;

namespace TaskRun.Webhook.Conversion;

/// <summary>
/// The common ConversionReview answered in one pass over the request's bytes, straight into the answer: v1 objects
/// to v2 (the spec's fields renamed, everything else copied) and objects already in the desired version, with no
/// JSON tree of the objects. The answer is exactly the one <see cref="ConversionHandler"/> and
/// <see cref="Core.Conversion.TaskRunConverter"/> give (a test holds the two to each other): values are copied the
/// way a tree writes them (strings unescaped and escaped again by the answer's encoder, numbers as they came).
/// Anything else (v2 to v1, the <c>orchestrator.io/v2-spec</c> annotation, a malformed or unexpected review, an
/// object that cannot be converted) is left to the general path: <see cref="TryWrite"/> returns false and the
/// caller discards what was written.
/// </summary>
internal static class RawConversion
{
    private const int MaxDepth = 128;

    /// <summary>What was converted, for metrics and the log line.</summary>
    internal readonly record struct Converted(string Uid, string DesiredApiVersion, int Objects, int FromV1);

    /// <summary>Writes the whole answer to <paramref name="body"/> into <paramref name="writer"/>; false when the general path must answer.</summary>
    public static bool TryWrite(ReadOnlySpan<byte> body, Utf8JsonWriter writer, out Converted converted)
    {
        ArgumentNullException.ThrowIfNull(writer);
        converted = default;
        try
        {
            return TryWriteCore(body, writer, out converted);
        }
        catch (JsonException)
        {
            return false; // malformed: the general path says what and where
        }
    }

    private static bool TryWriteCore(ReadOnlySpan<byte> body, Utf8JsonWriter writer, out Converted converted)
    {
        converted = default;
        var reader = new Utf8JsonReader(body, new JsonReaderOptions { MaxDepth = MaxDepth });
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            return false;
        }

        bool apiVersionOk = false, kindOk = false;
        string? uid = null, desired = null;
        var objects = (Start: -1, End: -1);
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
                if (reader.TokenType != JsonTokenType.StartObject || !ReadRequest(ref reader, body, out uid, out desired, out objects))
                {
                    return false;
                }
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

        if (reader.TokenType != JsonTokenType.EndObject || !apiVersionOk || !kindOk || string.IsNullOrEmpty(uid) ||
            desired is not (TaskRunApi.V1ApiVersion or TaskRunApi.V2ApiVersion) || objects.Start < 0)
        {
            return false;
        }

        writer.WriteStartObject();
        writer.WriteString("apiVersion", ConversionReview.ApiVersionV1);
        writer.WriteString("kind", ConversionReview.KindName);
        writer.WriteStartObject("response");
        writer.WriteString("uid", uid);
        writer.WriteStartArray("convertedObjects");
        var items = new Utf8JsonReader(body[objects.Start..objects.End], new JsonReaderOptions { MaxDepth = MaxDepth });
        items.Read();
        int count = 0, fromV1 = 0;
        while (items.Read() && items.TokenType != JsonTokenType.EndArray)
        {
            var start = (int)items.TokenStartIndex;
            items.Skip();
            var item = body.Slice(objects.Start + start, (int)items.BytesConsumed - start);
            if (!TryConvertObject(item, desired, writer, out var wasV1))
            {
                return false;
            }

            count++;
            fromV1 += wasV1 ? 1 : 0;
        }

        writer.WriteEndArray();
        writer.WriteStartObject("result");
        writer.WriteStartObject("metadata");
        writer.WriteEndObject();
        writer.WriteString("status", Admission.ApiStatus.Success);
        writer.WriteEndObject();
        writer.WriteEndObject();
        writer.WriteEndObject();
        converted = new Converted(uid, desired, count, fromV1);
        return true;
    }

    private static bool ReadRequest(ref Utf8JsonReader reader, ReadOnlySpan<byte> body, out string? uid, out string? desired, out (int Start, int End) objects)
    {
        uid = null;
        desired = null;
        objects = (-1, -1);
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("uid"u8))
            {
                reader.Read();
                if (reader.TokenType != JsonTokenType.String)
                {
                    return false;
                }

                uid = reader.GetString();
            }
            else if (reader.ValueTextEquals("desiredAPIVersion"u8))
            {
                reader.Read();
                if (reader.TokenType != JsonTokenType.String)
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
                if (reader.TokenType != JsonTokenType.StartArray)
                {
                    return false;
                }

                var start = (int)reader.TokenStartIndex;
                reader.Skip();
                objects = (start, (int)reader.BytesConsumed);
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }

        return reader.TokenType == JsonTokenType.EndObject && body.Length > 0;
    }

    /// <summary>One TaskRun to <paramref name="desired"/>: copied when it is in that version already, renamed when it is v1 and v2 is desired.</summary>
    private static bool TryConvertObject(ReadOnlySpan<byte> item, string desired, Utf8JsonWriter writer, out bool fromV1)
    {
        fromV1 = false;
        var reader = new Utf8JsonReader(item, new JsonReaderOptions { MaxDepth = MaxDepth });
        reader.Read();
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            return false;
        }

        string? from = null;
        bool kindOk = false, seenApiVersion = false, seenKind = false, seenMetadata = false, seenSpec = false;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("apiVersion"u8))
            {
                reader.Read();
                from = reader.TokenType != JsonTokenType.String ? null
                    : reader.ValueTextEquals(TaskRunApi.V1ApiVersion) ? TaskRunApi.V1ApiVersion
                    : reader.ValueTextEquals(TaskRunApi.V2ApiVersion) ? TaskRunApi.V2ApiVersion
                    : null;
                if (!Once(ref seenApiVersion))
                {
                    return false;
                }
            }
            else if (reader.ValueTextEquals("kind"u8))
            {
                reader.Read();
                kindOk = reader.TokenType == JsonTokenType.String && reader.ValueTextEquals(TaskRunApi.Kind);
                if (!Once(ref seenKind))
                {
                    return false;
                }
            }
            else if (reader.ValueTextEquals("metadata"u8))
            {
                reader.Read();
                if (!Once(ref seenMetadata) || !MetadataIsPlain(ref reader))
                {
                    return false;
                }
            }
            else if (reader.ValueTextEquals("spec"u8))
            {
                reader.Read();
                reader.Skip();
                if (!Once(ref seenSpec))
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

        if (!kindOk || from is null)
        {
            return false;
        }

        if (from == desired)
        {
            JsonCopy.Value(item, writer);
            return true;
        }

        if (from != TaskRunApi.V1ApiVersion)
        {
            return false; // v2 to v1 builds the v2-spec annotation: the general path
        }

        fromV1 = true;
        WriteV1AsV2(item, writer);
        return true;
    }

    /// <summary>
    /// The object's members in their order, with <c>apiVersion</c> v2 and the spec renamed (a spec that is not an
    /// object is copied as it is, as <see cref="Core.Conversion.TaskRunConverter"/> leaves it).
    /// </summary>
    private static void WriteV1AsV2(ReadOnlySpan<byte> item, Utf8JsonWriter writer)
    {
        var reader = new Utf8JsonReader(item, new JsonReaderOptions { MaxDepth = MaxDepth });
        reader.Read();
        writer.WriteStartObject();
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var isApiVersion = reader.ValueTextEquals("apiVersion"u8);
            var isSpec = reader.ValueTextEquals("spec"u8);
            JsonCopy.PropertyName(ref reader, writer);
            reader.Read();
            var start = (int)reader.TokenStartIndex;
            reader.Skip();
            var value = item[start..(int)reader.BytesConsumed];
            if (isApiVersion)
            {
                writer.WriteStringValue(TaskRunApi.V2ApiVersion);
            }
            else if (isSpec && value[0] == (byte)'{')
            {
                WriteV2Spec(value, writer);
            }
            else
            {
                JsonCopy.Value(value, writer);
            }
        }

        writer.WriteEndObject();
    }

    /// <summary>taskId, serviceName, priority, files (from markdownFiles), retry.attempt (from retryAttempt): v1's other keys have no place in v2.</summary>
    private static void WriteV2Spec(ReadOnlySpan<byte> spec, Utf8JsonWriter writer)
    {
        Span<Range> found = stackalloc Range[5];
        ReadOnlySpan<string> v1Keys = ["taskId", "serviceName", "priority", "markdownFiles", "retryAttempt"];
        Members(spec, v1Keys, found);
        writer.WriteStartObject();
        for (var i = 0; i < 3; i++)
        {
            if (!found[i].Equals(default(Range)))
            {
                writer.WritePropertyName(v1Keys[i]);
                JsonCopy.Value(spec[found[i]], writer);
            }
        }

        if (!found[3].Equals(default(Range)))
        {
            writer.WritePropertyName("files");
            WriteV2Files(spec[found[3]], writer);
        }

        if (!found[4].Equals(default(Range)))
        {
            writer.WriteStartObject("retry");
            writer.WritePropertyName("attempt");
            JsonCopy.Value(spec[found[4]], writer);
            writer.WriteEndObject();
        }

        writer.WriteEndObject();
    }

    private static void WriteV2Files(ReadOnlySpan<byte> files, Utf8JsonWriter writer)
    {
        if (files[0] != (byte)'[')
        {
            JsonCopy.Value(files, writer);
            return;
        }

        var reader = new Utf8JsonReader(files, new JsonReaderOptions { MaxDepth = MaxDepth });
        reader.Read();
        writer.WriteStartArray();
        Span<Range> found = stackalloc Range[3];
        ReadOnlySpan<string> v1Keys = ["filename", "fileType", "content"];
        ReadOnlySpan<string> v2Keys = ["name", "type", "content"];
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            var start = (int)reader.TokenStartIndex;
            var isObject = reader.TokenType == JsonTokenType.StartObject;
            reader.Skip();
            var file = files[start..(int)reader.BytesConsumed];
            if (!isObject)
            {
                JsonCopy.Value(file, writer);
                continue;
            }

            Members(file, v1Keys, found);
            writer.WriteStartObject();
            for (var i = 0; i < 3; i++)
            {
                if (!found[i].Equals(default(Range)))
                {
                    writer.WritePropertyName(v2Keys[i]);
                    JsonCopy.Value(file[found[i]], writer);
                }
            }

            writer.WriteEndObject();
        }

        writer.WriteEndArray();
    }

    /// <summary>The value ranges of the named members of <paramref name="obj"/> (default when absent; the last one when repeated, as a tree keeps it).</summary>
    private static void Members(ReadOnlySpan<byte> obj, ReadOnlySpan<string> names, Span<Range> found)
    {
        found.Clear();
        var reader = new Utf8JsonReader(obj, new JsonReaderOptions { MaxDepth = MaxDepth });
        reader.Read();
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var index = -1;
            for (var i = 0; i < names.Length; i++)
            {
                if (reader.ValueTextEquals(names[i]))
                {
                    index = i;
                    break;
                }
            }

            reader.Read();
            var start = (int)reader.TokenStartIndex;
            reader.Skip();
            if (index >= 0)
            {
                found[index] = start..(int)reader.BytesConsumed;
            }
        }
    }

    /// <summary>Metadata absent, null, or an object whose annotations (absent, null or an object) do not carry the v2-spec annotation.</summary>
    private static bool MetadataIsPlain(ref Utf8JsonReader reader)
    {
        if (reader.TokenType == JsonTokenType.Null)
        {
            return true;
        }

        if (reader.TokenType != JsonTokenType.StartObject)
        {
            return false;
        }

        var depth = reader.CurrentDepth;
        while (reader.Read() && !(reader.TokenType == JsonTokenType.EndObject && reader.CurrentDepth == depth))
        {
            if (reader.TokenType != JsonTokenType.PropertyName)
            {
                continue;
            }

            if (!reader.ValueTextEquals("annotations"u8))
            {
                reader.Read();
                reader.Skip();
                continue;
            }

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
                if (reader.ValueTextEquals(TaskRunApi.V2SpecAnnotation))
                {
                    return false;
                }

                reader.Read();
                reader.Skip();
            }
        }

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
