using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using CsCheck;
using TaskRun.Webhook.Admission;
using Xunit;

namespace TaskRun.Webhook.Tests.Admission;

/// <summary>
/// <see cref="JsonStringBytes.Measure"/> finds where a string ends and how long it is once unescaped exactly as
/// reading it with System.Text.Json would, and says "doubtful" for everything that reading refuses.
/// </summary>
public sealed class JsonStringBytesTests
{
    private static readonly JsonSerializerOptions Relaxed = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    // Both escapings: every non-ASCII character as \uXXXX (the serializer's default), and raw UTF-8 between escapes
    // (as the API server writes). Lone surrogates come out as \uD800 and must be doubtful.
    [Fact]
    public void A_serialized_string_is_measured_as_its_UTF8_length_and_ends_at_its_closing_quote()
    {
        Gen.Select(Gen.String, Gen.Bool).Sample((text, relaxed) =>
        {
            var json = Encoding.UTF8.GetBytes(JsonSerializer.Serialize(text, relaxed ? Relaxed : JsonSerializerOptions.Default) + ",\"next\"");
            var ending = JsonStringBytes.Measure(json.AsSpan(1), out var end, out var length);

            var readable = ReadsAsString(json, out var read);
            if (!readable)
            {
                Assert.Equal(JsonStringBytes.Ending.Doubtful, ending);
                return;
            }

            Assert.Equal(JsonStringBytes.Ending.Closed, ending);
            Assert.Equal((byte)',', json[1 + end + 1]);
            Assert.Equal(Encoding.UTF8.GetByteCount(read!), length);
        }, iter: 3_000);
    }

    // Strings written piece by piece in JSON, with escapes no serializer writes (\/, \b, lower-case hex, backslash
    // pairs) and what reading refuses, long enough to cross several 32-byte blocks: escapes dense or sparse, counted
    // block by block from masks or one by one, and every kind of escape at every offset of a block.
    [Fact]
    public void A_string_written_piece_by_piece_is_measured_as_reading_it_says()
    {
        var valid = Gen.OneOf("a", "plain text ", "0123456789abcdefghijklmnopqrstuvwxyz", "\\n", "\\\"", "\\\\", "\\/", "\\b",
            "\\f", "\\r", "\\t", "\\u003C", "\\u003c", "\\u0026", "\\u007F", "\\u0000", "\\u0080", "\\u00e9", "\\u07FF",
            "\\u0800", "\\u20AC", "\\uFFFF", "\\ud83d\\ude00", "é", "€", "😀", "\\u0030\\u0038");
        var refused = Gen.OneOf("\\x", "\\u12g4", "\\uD800", "\\ude00", "\\ud83d\\u0041", "\t", "\u0001", "\\\u0001", "\\U0041", "\\u00", "\\u0G41");
        var piece = Gen.Frequency([(200, valid), (1, refused)]);
        Gen.Select(piece.Array[0, 120], Gen.Int[0, 40]).Sample((pieces, padding) =>
        {
            var body = new string('p', padding) + string.Concat(pieces);
            var json = Encoding.UTF8.GetBytes("\"" + body + "\",\"next\"");
            var ending = JsonStringBytes.Measure(json.AsSpan(1), out var end, out var length);

            if (!ReadsAsString(json, out var read))
            {
                Assert.Equal(JsonStringBytes.Ending.Doubtful, ending);
                return;
            }

            Assert.Equal(JsonStringBytes.Ending.Closed, ending);
            Assert.Equal(Encoding.UTF8.GetByteCount(body), end);
            Assert.Equal(Encoding.UTF8.GetByteCount(read!), length);
        }, iter: 5_000);
    }

    [Theory]
    [InlineData("plain\"", 5, 5)]
    [InlineData("a\\nb\\u00e9\\ud83d\\ude00\\\"\"", 24, 10)]
    [InlineData("\"", 0, 0)]
    [InlineData("é€😀\"rest", 9, 9)]
    [InlineData("\\u00E9\\u00e9\\u00C0\"", 18, 6)] // hex digits in either case
    [InlineData("aaaaaaaaaaaaaaaaaaaaaaaaaaaaa\\u0041\\n\\\"b\"", 40, 33)] // escapes across the 32-byte block boundary, a quote after them
    [InlineData("aaaaaaaaaaaaaaaaaaaaaaaaaaaa\\ud83d\\ude00\"", 40, 32)] // a surrogate pair across the boundary
    public void Escaped_and_raw_text_is_measured_after_unescaping(string afterOpeningQuote, int end, long length)
    {
        var ending = JsonStringBytes.Measure(Encoding.UTF8.GetBytes(afterOpeningQuote), out var foundEnd, out var measured);

        Assert.Equal(JsonStringBytes.Ending.Closed, ending);
        Assert.Equal(end, foundEnd);
        Assert.Equal(length, measured);
    }

    [Fact]
    public void Bytes_without_a_closing_quote_are_all_the_string()
    {
        var bytes = Encoding.UTF8.GetBytes(new string('x', 100) + "\\n" + new string('y', 40));

        Assert.Equal(JsonStringBytes.Ending.Unclosed, JsonStringBytes.Measure(bytes, out var end, out var length));
        Assert.Equal(bytes.Length, end);
        Assert.Equal(141, length);
    }

    [Theory]
    [InlineData("tab\tinside\"")] // a raw control character
    [InlineData("new\nline\"")]
    [InlineData("bad \\x escape\"")]
    [InlineData("short \\u12\"")]
    [InlineData("not hex \\u12g4\"")]
    [InlineData("lone high \\ud83d then\"")]
    [InlineData("high then not low \\ud83d\\u0041\"")]
    [InlineData("lone low \\ude00\"")]
    [InlineData("ends in a backslash\\")]
    public void What_reading_refuses_is_doubtful(string afterOpeningQuote)
    {
        // Long enough that the 32-byte steps meet it as well as the tail.
        foreach (var padding in new[] { "", new string('p', 45) })
        {
            var bytes = Encoding.UTF8.GetBytes(padding + afterOpeningQuote);
            Assert.Equal(JsonStringBytes.Ending.Doubtful, JsonStringBytes.Measure(bytes, out _, out _));
        }
    }

    [Fact]
    public void Bytes_that_are_not_UTF8_are_doubtful()
    {
        byte[] bytes = [.. "abc"u8, 0xC3, 0x28, .. "\\n\""u8];

        Assert.Equal(JsonStringBytes.Ending.Doubtful, JsonStringBytes.Measure(bytes, out _, out _));
    }

    private static bool ReadsAsString(byte[] json, out string? text)
    {
        try
        {
            var reader = new Utf8JsonReader(json, isFinalBlock: false, default);
            reader.Read();
            text = reader.GetString();
            return true;
        }
        catch (Exception e) when (e is InvalidOperationException or JsonException)
        {
            text = null;
            return false;
        }
    }
}
