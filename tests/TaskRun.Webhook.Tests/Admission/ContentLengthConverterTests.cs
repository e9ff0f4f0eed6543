using System.Text;
using System.Text.Json;
using CsCheck;
using TaskRun.Webhook.Admission;
using Xunit;

namespace TaskRun.Webhook.Tests.Admission;

/// <summary>A measured content is exactly as long as the string it would have been read into, in UTF-8.</summary>
public sealed class ContentLengthConverterTests
{
    private static readonly JsonSerializerOptions Measuring = new() { Converters = { new ContentLengthConverter() } };

    [Fact]
    public void The_measure_equals_the_UTF8_length_of_the_string_for_any_text() =>
        Gen.String.Sample(text =>
        {
            // The serializer escapes quotes, controls and non-ASCII; lone surrogates are written as \uD800 and
            // must then fail to read in both forms alike.
            var json = JsonSerializer.Serialize(text);
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
        }, iter: 2_000);

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
