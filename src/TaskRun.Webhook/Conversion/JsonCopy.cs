using System.Text.Unicode;
using TaskRun.Webhook.Hosting;

namespace TaskRun.Webhook.Conversion;

/// <summary>
/// Copies JSON from bytes to a writer token by token without building a tree: string values and numbers as the
/// request spelled them, member names unescaped and escaped again by the writer's encoder (they are short). The copy
/// is the same JSON as when the value went through a tree; only the spelling of escapes in strings may differ.
/// </summary>
internal static class JsonCopy
{
    private const int StackLimit = 256;
    private const int SegmentBytes = 16 * 1024;

    /// <summary>Copies the one JSON value <paramref name="json"/> holds.</summary>
    public static void Value(ReadOnlySpan<byte> json, Utf8JsonWriter writer)
    {
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = 128 });
        reader.Read();
        Value(ref reader, writer);
    }

    /// <summary>
    /// Copies the one JSON value <paramref name="json"/> holds, a value a reader has already read whole: a string
    /// (quotes included) that is valid UTF-8 goes to the writer as it is, without being read again; this is
    /// what <see cref="Value(ReadOnlySpan{byte}, Utf8JsonWriter)"/> writes for it.
    /// </summary>
    public static void ReadValue(ReadOnlySpan<byte> json, Utf8JsonWriter writer)
    {
        if (json.Length >= 2 && json[0] == (byte)'"' && Utf8.IsValid(json))
        {
            writer.WriteRawValue(json, skipInputValidation: true);
            return;
        }

        Value(json, writer);
    }

    /// <summary>Copies the value the reader is at, leaving the reader on its last token.</summary>
    public static void Value(ref Utf8JsonReader reader, Utf8JsonWriter writer)
    {
        if (reader.TokenType is not (JsonTokenType.StartObject or JsonTokenType.StartArray))
        {
            Token(ref reader, writer);
            return;
        }

        var depth = reader.CurrentDepth;
        do
        {
            Token(ref reader, writer);
        }
        while (!(reader.TokenType is JsonTokenType.EndObject or JsonTokenType.EndArray && reader.CurrentDepth == depth) && reader.Read());
    }

    /// <summary>Copies the one token the reader is at.</summary>
    public static void Token(ref Utf8JsonReader reader, Utf8JsonWriter writer)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.StartObject:
                writer.WriteStartObject();
                break;
            case JsonTokenType.EndObject:
                writer.WriteEndObject();
                break;
            case JsonTokenType.StartArray:
                writer.WriteStartArray();
                break;
            case JsonTokenType.EndArray:
                writer.WriteEndArray();
                break;
            case JsonTokenType.PropertyName:
                PropertyName(ref reader, writer);
                break;
            case JsonTokenType.String:
                String(ref reader, writer);
                break;
            case JsonTokenType.Number:
                writer.WriteRawValue(reader.ValueSpan, skipInputValidation: true);
                break;
            case JsonTokenType.True:
                writer.WriteBooleanValue(true);
                break;
            case JsonTokenType.False:
                writer.WriteBooleanValue(false);
                break;
            case JsonTokenType.Null:
                writer.WriteNullValue();
                break;
        }
    }

    /// <summary>Writes the member name the reader is on.</summary>
    public static void PropertyName(ref Utf8JsonReader reader, Utf8JsonWriter writer) => Text(ref reader, writer, propertyName: true);

    /// <summary>
    /// A string value is copied as the request spelled it, escapes and all: the same text to any JSON reader, and a
    /// file's content is neither unescaped nor escaped again, which was most of a conversion's work. A value that
    /// is not valid UTF-8 goes through the writer instead, which refuses it.
    /// </summary>
    private static void String(ref Utf8JsonReader reader, Utf8JsonWriter writer)
    {
        var value = reader.ValueSpan;
        if (reader.HasValueSequence || !Utf8.IsValid(value))
        {
            Text(ref reader, writer, propertyName: false);
            return;
        }

        var length = value.Length + 2;
        byte[]? rented = null;
        var quoted = length <= StackLimit ? stackalloc byte[StackLimit] : (rented = PooledBufferWriter.Pool.Rent(length));
        quoted[0] = (byte)'"';
        value.CopyTo(quoted[1..]);
        quoted[length - 1] = (byte)'"';
        writer.WriteRawValue(quoted[..length], skipInputValidation: true);
        if (rented is not null)
        {
            PooledBufferWriter.Pool.Return(rented);
        }
    }

    /// <summary>A member name or a string value, unescaped (into the stack or a pooled array) when the request escaped it.</summary>
    private static void Text(ref Utf8JsonReader reader, Utf8JsonWriter writer, bool propertyName)
    {
        if (!reader.ValueIsEscaped)
        {
            Write(reader.ValueSpan, writer, propertyName);
            return;
        }

        byte[]? rented = null;
        var buffer = reader.ValueSpan.Length <= StackLimit ? stackalloc byte[StackLimit] : (rented = PooledBufferWriter.Pool.Rent(reader.ValueSpan.Length));
        Write(buffer[..reader.CopyString(buffer)], writer, propertyName);
        if (rented is not null)
        {
            PooledBufferWriter.Pool.Return(rented);
        }
    }

    private static void Write(ReadOnlySpan<byte> utf8, Utf8JsonWriter writer, bool propertyName)
    {
        if (propertyName)
        {
            writer.WritePropertyName(utf8);
        }
        else
        {
            StringValue(utf8, writer);
        }
    }

    /// <summary>
    /// A long string goes in segments: the writer reserves room for the worst escaping (six bytes a byte) of what it
    /// is given at once, which for a 1 MiB file would be a 6 MiB buffer. The text written is the same.
    /// </summary>
    private static void StringValue(ReadOnlySpan<byte> utf8, Utf8JsonWriter writer)
    {
        if (utf8.Length <= SegmentBytes)
        {
            writer.WriteStringValue(utf8);
            return;
        }

        for (var offset = 0; offset < utf8.Length; offset += SegmentBytes)
        {
            var length = Math.Min(SegmentBytes, utf8.Length - offset);
            writer.WriteStringValueSegment(utf8.Slice(offset, length), isFinalSegment: offset + length == utf8.Length);
        }
    }
}
