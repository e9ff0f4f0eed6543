using System.Buffers;
using System.Text.Json;

namespace TaskRun.Webhook.Conversion;

/// <summary>
/// Copies JSON from bytes to a writer token by token, the way a <see cref="JsonElement"/> or a JSON tree writes
/// itself: strings and member names unescaped and escaped again by the writer's encoder, numbers as they came.
/// The copy is then the same as when the value went through a tree, without building one.
/// </summary>
internal static class JsonCopy
{
    private const int StackLimit = 256;

    /// <summary>Copies the one JSON value <paramref name="json"/> holds.</summary>
    public static void Value(ReadOnlySpan<byte> json, Utf8JsonWriter writer)
    {
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = 128 });
        while (reader.Read())
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
    }

    /// <summary>Writes the member name the reader is on.</summary>
    public static void PropertyName(ref Utf8JsonReader reader, Utf8JsonWriter writer)
    {
        if (!reader.ValueIsEscaped)
        {
            writer.WritePropertyName(reader.ValueSpan);
            return;
        }

        byte[]? rented = null;
        var buffer = reader.ValueSpan.Length <= StackLimit ? stackalloc byte[StackLimit] : (rented = ArrayPool<byte>.Shared.Rent(reader.ValueSpan.Length));
        writer.WritePropertyName(buffer[..reader.CopyString(buffer)]);
        if (rented is not null)
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    private static void String(ref Utf8JsonReader reader, Utf8JsonWriter writer)
    {
        if (!reader.ValueIsEscaped)
        {
            writer.WriteStringValue(reader.ValueSpan);
            return;
        }

        byte[]? rented = null;
        var buffer = reader.ValueSpan.Length <= StackLimit ? stackalloc byte[StackLimit] : (rented = ArrayPool<byte>.Shared.Rent(reader.ValueSpan.Length));
        writer.WriteStringValue(buffer[..reader.CopyString(buffer)]);
        if (rented is not null)
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }
}
