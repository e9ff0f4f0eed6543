using System.Buffers;
using System.Text.Json.Serialization;

namespace TaskRun.Webhook.Admission;

/// <summary>
/// Reads a JSON string as its length in UTF-8 bytes once unescaped, without making it a string: an unescaped
/// value is its own length, an escaped one is unescaped into a pooled buffer (System.Text.Json's own rules, so
/// an invalid escape fails as it would when read as a string). Null stays null.
/// </summary>
internal sealed class ContentLengthConverter : JsonConverter<long?>
{
    public override bool HandleNull => true;

    public override long? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType == JsonTokenType.Null)
        {
            return null;
        }

        if (reader.TokenType != JsonTokenType.String)
        {
            throw new JsonException($"expected a string, not {reader.TokenType}");
        }

        var escapedLength = reader.HasValueSequence ? reader.ValueSequence.Length : reader.ValueSpan.Length;
        if (!reader.ValueIsEscaped)
        {
            return escapedLength;
        }

        // Counted without unescaping; anything doubtful (a lone surrogate, not UTF-8) is unescaped, to fail as reading it as a string would.
        if (!reader.HasValueSequence && JsonStringBytes.Measure(reader.ValueSpan, out _, out var counted) == JsonStringBytes.Ending.Unclosed)
        {
            return counted;
        }

        // Unescaping only ever shortens the value.
        var buffer = ArrayPool<byte>.Shared.Rent((int)escapedLength);
        try
        {
            return reader.CopyString(buffer);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    public override void Write(Utf8JsonWriter writer, long? value, JsonSerializerOptions options) =>
        throw new NotSupportedException("a measured content is never written");
}
