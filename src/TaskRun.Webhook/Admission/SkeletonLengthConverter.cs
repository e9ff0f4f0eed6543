using System.Text.Json.Serialization;

namespace TaskRun.Webhook.Admission;

/// <summary>
/// Reads a file's content in a <see cref="Hosting.ReviewSkeleton"/>, where it is already its measured length (a
/// JSON number). A string there is a content the skeleton did not recognise (its key spelt with escapes): the
/// read fails, and the review is read from its own bytes.
/// </summary>
internal sealed class SkeletonLengthConverter : JsonConverter<long?>
{
    public override bool HandleNull => true;

    public override long? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => reader.TokenType switch
    {
        JsonTokenType.Null => null,
        JsonTokenType.Number => reader.GetInt64(),
        _ => throw new JsonException($"expected a measured length, not {reader.TokenType}"),
    };

    public override void Write(Utf8JsonWriter writer, long? value, JsonSerializerOptions options) =>
        throw new NotSupportedException("a measured content is never written");
}
