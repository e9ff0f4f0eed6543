using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using CsCheck;
using TaskRun.Webhook.Admission;
using Xunit;

namespace TaskRun.Webhook.Tests.Admission;

/// <summary>A measured content is exactly as long as the string it would have been read into, in UTF-8.</summary>
public sealed class ContentLengthConverterTests
{
    private static readonly JsonSerializerOptions Measuring = new() { Converters = { new ContentLengthConverter() } };

    private static readonly JsonSerializerOptions Relaxed = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    // The serializer escapes quotes, controls and non-ASCII; lone surrogates are written as \uD800 and must then
    // fail to read in both forms alike.
    [Fact]
    public void The_measure_equals_the_UTF8_length_of_the_string_for_any_text() =>
        Gen.String.Sample(text => AssertMeasuredAsReadAsString(JsonSerializer.Serialize(text)), iter: 2_000);

    // As the API server writes JSON: non-ASCII as raw UTF-8 between escapes (the fast count's other case).
    [Fact]
    public void The_measure_equals_the_UTF8_length_for_raw_non_ASCII_between_escapes() =>
        Gen.String.Sample(text => AssertMeasuredAsReadAsString(JsonSerializer.Serialize(text, Relaxed)), iter: 2_000);

    [Theory]
    [InlineData("\"\\ud83d\\u0041\"")]
    [InlineData("\"\\ude00\"")]
    [InlineData("\"x\\ud83d\"")]
    [InlineData("\"\\ud83d\\n\"")]
    public void A_broken_surrogate_escape_fails_as_reading_the_string_does(string json)
    {
        var readingFails = Record.Exception(() => JsonSerializer.Deserialize<string>(json));
        var measuringFails = Record.Exception(() => JsonSerializer.Deserialize<long?>(json, Measuring));

        Assert.NotNull(readingFails);
        Assert.NotNull(measuringFails);
        Assert.Equal(readingFails.GetType(), measuringFails.GetType());
        Assert.Equal(readingFails.InnerException?.GetType(), measuringFails.InnerException?.GetType());
    }

    private static void AssertMeasuredAsReadAsString(string json)
    {
        long? expected;
        try
        {
            expected = Encoding.UTF8.GetByteCount(JsonSerializer.Deserialize<string>(json)!);
        }
        catch (InvalidOperationException)
        {
            expected = null;
        }

        if (expected is null)
        {
            Assert.ThrowsAny<InvalidOperationException>(() => JsonSerializer.Deserialize<long?>(json, Measuring));
        }
        else
        {
            Assert.Equal(expected, JsonSerializer.Deserialize<long?>(json, Measuring));
        }
    }

    [Theory]
    [InlineData("\"plain ascii\"", 11)]
    [InlineData("\"é€😀\"", 9)]
    [InlineData("\"a\\nb\\u00e9\\ud83d\\ude00\"", 9)]
    [InlineData("\"\"", 0)]
    public void Escaped_and_unescaped_values_are_measured_after_unescaping(string json, long bytes) =>
        Assert.Equal(bytes, JsonSerializer.Deserialize<long?>(json, Measuring));

    [Fact]
    public void Null_stays_null_and_a_non_string_is_a_JSON_error()
    {
        Assert.Null(JsonSerializer.Deserialize<long?>("null", Measuring));
        Assert.Throws<JsonException>(() => JsonSerializer.Deserialize<long?>("42", Measuring));
    }
}
