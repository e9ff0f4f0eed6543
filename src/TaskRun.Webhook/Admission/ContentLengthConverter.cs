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

        if (!reader.HasValueSequence && UnescapedLength(reader.ValueSpan) is { } counted)
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

    /// <summary>
    /// The UTF-8 length of an escaped value once unescaped, counted without unescaping it; null for anything but
    /// valid UTF-8 with well-formed escapes and surrogate pairs, which is then unescaped so that it fails exactly
    /// as reading it as a string would. (The reader has already checked each escape's syntax.)
    /// </summary>
    private static long? UnescapedLength(ReadOnlySpan<byte> escaped)
    {
        if (!System.Text.Unicode.Utf8.IsValid(escaped))
        {
            return null;
        }

        long length = 0;
        var rest = escaped;
        while (true)
        {
            var backslash = rest.IndexOf((byte)'\\');
            if (backslash < 0)
            {
                return length + rest.Length;
            }

            length += backslash;
            rest = rest[(backslash + 1)..];
            if (rest[0] != (byte)'u')
            {
                length++; // \n, \", \\ and the others stand for one ASCII byte
                rest = rest[1..];
                continue;
            }

            var unit = Hex(rest.Slice(1, 4));
            rest = rest[5..];
            if (char.IsHighSurrogate((char)unit))
            {
                if (rest.Length < 6 || rest[0] != (byte)'\\' || rest[1] != (byte)'u' || !char.IsLowSurrogate((char)Hex(rest.Slice(2, 4))))
                {
                    return null;
                }

                length += 4;
                rest = rest[6..];
            }
            else if (char.IsLowSurrogate((char)unit))
            {
                return null;
            }
            else
            {
                length += unit < 0x80 ? 1 : unit < 0x800 ? 2 : 3;
            }
        }
    }

    private static int Hex(ReadOnlySpan<byte> digits)
    {
        var value = 0;
        foreach (var digit in digits)
        {
            // The reader has checked that these are hex digits.
            value = (value << 4) | (digit <= (byte)'9' ? digit - '0' : (digit | 0x20) - 'a' + 10);
        }

        return value;
    }

    public override void Write(Utf8JsonWriter writer, long? value, JsonSerializerOptions options) =>
        throw new NotSupportedException("a measured content is never written");
}
