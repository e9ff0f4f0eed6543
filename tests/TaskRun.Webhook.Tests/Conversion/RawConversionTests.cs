using System.Buffers;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using CsCheck;
using TaskRun.Webhook.Conversion;
using TaskRun.Webhook.Hosting;
using TaskRun.Webhook.Observability;
using TaskRun.Webhook.Tests.Support;
using Xunit;

namespace TaskRun.Webhook.Tests.Conversion;

/// <summary>
/// The answer written straight from the request's bytes (<see cref="RawConversion"/>) is the same JSON as the answer
/// of the general path (the review read into a tree, <see cref="ConversionHandler.Convert"/>, the answer serialized):
/// equal as JSON, with string values spelled as the request spelled them. Every review it does not take is left to
/// the general path.
/// </summary>
public sealed class RawConversionTests
{
    private static readonly JsonWriterOptions AnswerOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    [Fact]
    public void The_golden_v1_to_v2_review_gets_the_general_paths_answer()
    {
        var body = Encoding.UTF8.GetBytes(Reviews.FixtureText("conversion-v1-to-v2.json"));

        AssertSameJson(General(body), Raw(body));
    }

    [Fact]
    public void Over_the_skeleton_the_answer_is_byte_for_byte_the_one_over_the_review_as_sent()
    {
        var body = Encoding.UTF8.GetBytes(Reviews.FixtureText("conversion-v1-to-v2.json"));
        using var skeleton = ReviewSkeleton.TryBuildForConversion(body);
        Assert.NotNull(skeleton);

        var asSent = Write(writer => RawConversion.TryWrite(body, writer, out _));
        var overSkeleton = Write(writer => RawConversion.TryWrite(body, skeleton, writer, out _));

        Assert.NotNull(overSkeleton);
        Assert.Equal(asSent, overSkeleton);
    }

    [Fact]
    public void V1_objects_copied_unconverted_leave_the_skeleton_and_get_the_general_answer()
    {
        // Desired v1: the v1 objects are copied as they are, so their replaced contents would be copied as numbers.
        var body = Encoding.UTF8.GetBytes(
            """{"apiVersion":"apiextensions.k8s.io/v1","kind":"ConversionReview","request":{"uid":"u","desiredAPIVersion":"orchestrator.io/v1","objects":[{"apiVersion":"orchestrator.io/v1","kind":"TaskRun","spec":{"markdownFiles":[{"filename":"task.md","content":"# Task\n\u003cb\u003e"}]}}]}}""");
        using var skeleton = ReviewSkeleton.TryBuildForConversion(body);
        Assert.NotNull(skeleton);

        Assert.Null(Write(writer => RawConversion.TryWrite(body, skeleton, writer, out _)));
        var raw = Raw(body);
        AssertSameJson(General(body), raw);
        Assert.Contains("""\u003cb\u003e""", raw, StringComparison.Ordinal);
    }

    [Fact]
    public void String_values_keep_the_requests_escapes_and_the_answer_is_valid_JSON()
    {
        var body = Encoding.UTF8.GetBytes(
            """{"apiVersion":"apiextensions.k8s.io/v1","kind":"ConversionReview","request":{"uid":"u","desiredAPIVersion":"orchestrator.io/v2","objects":[{"apiVersion":"orchestrator.io/v1","kind":"TaskRun","spec":{"markdownFiles":[{"filename":"task.md","content":"\u003cb\u003e \"q\" \n \ud83d\ude00 é"}]}}]}}""");

        var raw = Raw(body)!;

        Assert.Contains("""\u003cb\u003e \"q\" \n \ud83d\ude00 é""", raw, StringComparison.Ordinal);
        Assert.Equal("<b> \"q\" \n 😀 é", JsonNode.Parse(raw)!["response"]!["convertedObjects"]![0]!["spec"]!["files"]![0]!["content"]!.GetValue<string>());
        AssertSameJson(General(body), raw);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_file_of_many_kilobytes_is_written_as_the_same_JSON_as_the_general_path_writes(bool escaped)
    {
        // Multi-byte characters and escapes fall on the segment boundaries somewhere in 100 KB.
        var content = string.Concat(Enumerable.Repeat(escaped ? "ünïcödé ✓ 😀 \n\"q\" <a> & \u2028 " : "plain text of a file, ", 4000));
        var review = new JsonObject
        {
            ["apiVersion"] = "apiextensions.k8s.io/v1",
            ["kind"] = "ConversionReview",
            ["request"] = new JsonObject
            {
                ["uid"] = "u",
                ["desiredAPIVersion"] = "orchestrator.io/v2",
                ["objects"] = new JsonArray(new JsonObject
                {
                    ["apiVersion"] = "orchestrator.io/v1",
                    ["kind"] = "TaskRun",
                    ["spec"] = new JsonObject { ["markdownFiles"] = new JsonArray(new JsonObject { ["filename"] = "task.md", ["content"] = content }) },
                }),
            },
        };
        var body = Encoding.UTF8.GetBytes(review.ToJsonString());

        AssertSameJson(General(body), Raw(body));
    }

    [Theory]
    [InlineData("conversion-v2-to-v1.json")]
    public void A_v2_to_v1_review_is_left_to_the_general_path(string fixture) =>
        Assert.Null(Raw(Encoding.UTF8.GetBytes(Reviews.FixtureText(fixture))));

    [Theory]
    [InlineData("""{"apiVersion":"apiextensions.k8s.io/v1","kind":"ConversionReview","request":{"uid":"u","desiredAPIVersion":"orchestrator.io/v2","objects":[{"apiVersion":"orchestrator.io/v1","kind":"TaskRun","metadata":{"annotations":{"orchestrator.io/v2-spec":"{}"}}}]}}""")]
    [InlineData("""{"apiVersion":"apiextensions.k8s.io/v1","kind":"ConversionReview","request":{"uid":"u","desiredAPIVersion":"orchestrator.io/v3","objects":[]}}""")]
    [InlineData("""{"apiVersion":"apiextensions.k8s.io/v1","kind":"ConversionReview","request":{"uid":"u","desiredAPIVersion":"orchestrator.io/v2","objects":[{"apiVersion":"orchestrator.io/v1","kind":"Job"}]}}""")]
    [InlineData("""{"apiVersion":"apiextensions.k8s.io/v1","kind":"ConversionReview","request":{"uid":"u","desiredAPIVersion":"orchestrator.io/v2","objects":[{"kind":"TaskRun","apiVersion":"orchestrator.io/v1"}]}}""")]
    [InlineData("""{"apiVersion":"apiextensions.k8s.io/v1","kind":"ConversionReview","request":{"objects":[],"uid":"u","desiredAPIVersion":"orchestrator.io/v2"}}""")]
    [InlineData("""{"apiVersion":"apiextensions.k8s.io/v1","kind":"ConversionReview","request":{"uid":"u","desiredAPIVersion":"orchestrator.io/v2","objects":[{"apiVersion":"orchestrator.io/v1","kind":"TaskRun","spec":{"taskId":1,"taskId":2}}]}}""")]
    [InlineData("""{"apiVersion":"apiextensions.k8s.io/v1","kind":"ConversionReview","request":{"uid":"u","desiredAPIVersion":"orchestrator.io/v2","objects":[null]}}""")]
    [InlineData("""{"apiVersion":"apiextensions.k8s.io/v1","kind":"ConversionReview","request":{"desiredAPIVersion":"orchestrator.io/v2","objects":[]}}""")]
    [InlineData("""{"apiVersion":"apiextensions.k8s.io/v1beta1","kind":"ConversionReview","request":{"uid":"u","desiredAPIVersion":"orchestrator.io/v2","objects":[]}}""")]
    [InlineData("""{"apiVersion":"apiextensions.k8s.io/v1","kind":"ConversionReview","request":{"uid":"u","desiredAPIVersion":"orchestrator.io/v2","objects":[{"apiVersion":"orchestrator.io/v1","kind":"TaskRun","metadata":"x"}]}}""")]
    [InlineData("""{"apiVersion":"apiextensions.k8s.io/v1","kind":"ConversionReview","response":{"result":{"code":"x"}},"request":{"uid":"u","desiredAPIVersion":"orchestrator.io/v2","objects":[]}}""")]
    [InlineData("""{"apiVersion":"apiextensions.k8s.io/v1","kind":"ConversionReview","response":{"uid":7},"request":{"uid":"u","desiredAPIVersion":"orchestrator.io/v2","objects":[]}}""")]
    [InlineData("""{"apiVersion":"apiextensions.k8s.io/v1","kind":"ConversionReview","request":{"uid":"u","desiredAPIVersion":"orchestrator.io/v2","objects":[{"apiVersion":"orchestrator.io/v1",""")]
    public void Anything_but_the_common_review_is_left_to_the_general_path(string review) =>
        Assert.Null(Raw(Encoding.UTF8.GetBytes(review)));

    [Fact]
    public void Property_the_raw_answer_equals_the_general_answer()
    {
        var overSkeleton = 0;
        Gen.Select(Objects.Array[0, 3], Gen.Bool).Sample((objects, toV2) =>
        {
            var review = new JsonObject
            {
                ["kind"] = "ConversionReview",
                ["apiVersion"] = "apiextensions.k8s.io/v1",
                ["request"] = new JsonObject
                {
                    ["uid"] = "b94fde3f-aa8d-4936-a0e0-7b6325af69e7",
                    ["unknown"] = new JsonArray(1, "two"),
                    ["desiredAPIVersion"] = toV2 ? "orchestrator.io/v2" : "orchestrator.io/v1",
                    ["objects"] = new JsonArray([.. objects.Select(o => (JsonNode?)o.DeepClone())]),
                },
                // As kube-apiserver sends it.
                ["response"] = JsonNode.Parse("""{"uid":"","convertedObjects":null,"result":{"metadata":{}}}"""),
            };
            // Escaped the way the API server writes JSON (<, > and & as \u003c...), so strings are unescaped and escaped again.
            var body = Encoding.UTF8.GetBytes(review.ToJsonString());
            var raw = Raw(body);
            // Taken: v1 to v2 and objects already in the desired version; v2 to v1 is left to the general path.
            if (toV2 || objects.All(o => (string?)o["apiVersion"] == "orchestrator.io/v1"))
            {
                AssertSameJson(General(body), raw);
            }
            else
            {
                Assert.Null(raw);
            }

            // Where the skeleton converts, its answer is byte for byte the one over the review as sent.
            using var skeleton = ReviewSkeleton.TryBuildForConversion(body);
            if (skeleton is not null && Write(writer => RawConversion.TryWrite(body, skeleton, writer, out _)) is { } fromSkeleton)
            {
                Assert.Equal(Write(writer => RawConversion.TryWrite(body, writer, out _)), fromSkeleton);
                overSkeleton++;
            }
        }, iter: 1000, print: t => JsonSerializer.Serialize(t.Item1.Select(o => o.ToJsonString())));

        Assert.True(overSkeleton > 25, $"only {overSkeleton} of 1,000 reviews were converted over their skeleton"); // about 5 % are: v2 desired, every object convertible, a v1 file with a string content
    }

    private static void AssertSameJson(string expected, string? actual)
    {
        Assert.NotNull(actual);
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(expected), JsonNode.Parse(actual)), $"expected\n{expected}\nactual\n{actual}");
    }

    private static string? Write(Func<Utf8JsonWriter, bool> write)
    {
        using var answer = new PooledBufferWriter(1024);
        using (var writer = new Utf8JsonWriter(answer, AnswerOptions))
        {
            if (!write(writer))
            {
                return null;
            }
        }

        return Encoding.UTF8.GetString(answer.WrittenSpan);
    }

    private static string? Raw(byte[] body)
    {
        using var answer = new PooledBufferWriter(1024);
        return new ConversionHandler(new WebhookMetrics()).TryConvertRaw(body, answer, AnswerOptions, out _)
            ? Encoding.UTF8.GetString(answer.WrittenSpan)
            : null;
    }

    private static string General(byte[] body)
    {
        var request = ReviewParser.ReadConversion(new ReadOnlySequence<byte>(body)).Request!;
        var (response, _) = new ConversionHandler(new WebhookMetrics()).Convert(request);
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer, AnswerOptions))
        {
            JsonSerializer.Serialize(writer, ConversionReview.Answer(response), WebhookJson.Default.ConversionReview);
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    private static readonly string[] TextChoices = ["# Task\nline \"quoted\" <tag> & more\ttab", "plain", "", "ünïcödé ✓ 😀 \u2028", "back\\slash /slash \u0001"];

    private static readonly Gen<string> Texts = Gen.Int[0, TextChoices.Length - 1].Select(i => TextChoices[i]);

    private static readonly Func<JsonNode?>[] OtherValues =
        [() => null, () => JsonValue.Create(true), () => JsonNode.Parse("1.50e3"), () => JsonNode.Parse("""{"a":[1,{"b":null}]}"""), () => JsonNode.Parse("[]")];

    private static readonly Gen<JsonNode?> Values = Gen.OneOf(
        Texts.Select(t => (JsonNode?)JsonValue.Create(t)),
        Gen.Int.Select(i => (JsonNode?)JsonValue.Create(i)),
        Gen.Int[0, OtherValues.Length - 1].Select(i => OtherValues[i]()));

    /// <summary>v1 and v2 TaskRuns with any mix of known and unknown members, values and shapes.</summary>
    private static readonly Gen<JsonObject> Objects =
        Gen.Select(Gen.Bool, Gen.Int[0, 3], Values, Values, Texts, Gen.Int[0, 3], Gen.Bool, Gen.Bool)
        .Select(t =>
        {
            var (v1, specShape, extra, fileExtra, text, fileCount, withStatus, annotations) = t;
            var metadata = new JsonObject { ["name"] = "x", ["namespace"] = "team-a", ["uid"] = "u-1", ["labels"] = new JsonObject { ["task-id"] = "1001", ["text"] = text } };
            if (annotations)
            {
                metadata["annotations"] = new JsonObject { ["kubectl.kubernetes.io/last-applied-configuration"] = "{\"a\":\"<b>\"}" };
            }

            var obj = new JsonObject { ["apiVersion"] = v1 ? "orchestrator.io/v1" : "orchestrator.io/v2", ["kind"] = "TaskRun", ["metadata"] = metadata };
            JsonNode? spec = specShape switch
            {
                0 => null,
                1 => JsonValue.Create(text),
                _ => new JsonObject(),
            };
            if (spec is JsonObject specObject)
            {
                var files = new JsonArray();
                for (var i = 0; i < fileCount; i++)
                {
                    files.Add(v1
                        ? new JsonObject { ["content"] = text, ["filename"] = $"f{i}.md", ["fileType"] = i == 1 ? "context" : null, ["extra"] = fileExtra?.DeepClone() }
                        : new JsonObject { ["name"] = $"f{i}.md", ["content"] = text });
                }

                if (fileCount == 3)
                {
                    files.Add(extra?.DeepClone());
                }

                specObject["unknown"] = extra?.DeepClone();
                specObject[v1 ? "retryAttempt" : "retry"] = v1 ? 2 : new JsonObject { ["attempt"] = 2 };
                specObject[v1 ? "markdownFiles" : "files"] = files;
                specObject["priority"] = extra?.DeepClone();
                specObject["taskId"] = 1001;
                specObject["serviceName"] = "auth-service";
            }

            if (specShape != 3)
            {
                obj["spec"] = spec;
            }

            if (withStatus)
            {
                obj["status"] = new JsonObject { ["phase"] = "Running", ["message"] = text, ["attempt"] = 1 };
            }

            return obj;
        });
}
