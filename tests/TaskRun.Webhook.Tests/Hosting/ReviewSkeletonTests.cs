using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using CsCheck;
using TaskRun.Webhook.Hosting;
using TaskRun.Webhook.Tests.Support;
using Xunit;

namespace TaskRun.Webhook.Tests.Hosting;

/// <summary>
/// A <see cref="ReviewSkeleton"/> is the review with each file content of the object and old object replaced by
/// its UTF-8 length, and nothing else changed; when in doubt there is none (the review is then read as sent).
/// That the handlers answer the same either way is <see cref="TypedReviewReaderTests"/>' business.
/// </summary>
public sealed class ReviewSkeletonTests
{
    [Theory]
    [MemberData(nameof(Reviews.AdmissionFixtureNames), MemberType = typeof(Reviews))]
    public void A_review_from_kube_apiserver_has_each_content_replaced_by_its_length_and_nothing_else_changed(string fixture)
    {
        var body = Encoding.UTF8.GetBytes(Reviews.FixtureText(fixture));

        using var skeleton = ReviewSkeleton.TryBuild(body);

        Assert.NotNull(skeleton);
        Assert.True(JsonNode.DeepEquals(ContentsAsLengths(body), JsonNode.Parse(skeleton.Span)), Encoding.UTF8.GetString(skeleton.Span));
    }

    [Fact]
    public void Property_any_content_is_replaced_by_its_length_unless_reading_it_would_fail()
    {
        var built = 0;
        Gen.Select(Gen.String, Gen.String, Gen.Bool).Sample((content, oldContent, relaxed) =>
        {
            var review = Review(new JsonArray(File("a.md", content), File("b.md", null)), new JsonArray(File("c.md", oldContent)));
            var body = Encoding.UTF8.GetBytes(review.ToJsonString(relaxed ? new JsonSerializerOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping } : null));

            using var skeleton = ReviewSkeleton.TryBuild(body);

            if (HasLoneSurrogate(content) || HasLoneSurrogate(oldContent))
            {
                Assert.Null(skeleton); // System.Text.Json refuses to read those as strings
                return;
            }

            Assert.NotNull(skeleton);
            Assert.True(JsonNode.DeepEquals(ContentsAsLengths(body), JsonNode.Parse(skeleton.Span)));
            built++;
        }, iter: 1_000);

        Assert.True(built > 500, $"only {built} of 1,000 reviews had a skeleton");
    }

    [Theory]
    [InlineData("""{"request":{"object":{"spec":{"files":[{"content":42}]}}}}""")] // not a string: the reader explains
    [InlineData("""{"request":{"object":{"spec":{"files":[{"content":{"text":"x"}}]}}}}""")]
    [InlineData("""{"request":{"object":{"spec":{"files":[{"content":true}]}}}}""")]
    [InlineData("""{"request":{"object":{"spec":{"files":[{"content":"bad \x escape"}]}}}}""")]
    [InlineData("""{"request":{"object":{"spec":{"files":[{"content":"lone \ud800"}]}}}}""")]
    [InlineData("""{"request":{"object":{"spec":{"files":[{"content":"unclosed}]}}}}""")]
    [InlineData("""{"request":{"object":{"spec":{"files":[{"content":"x"}]}}}""")] // does not close
    [InlineData("""{"request":{"object":{"spec":{"files":[{"content":"x"}]}}}}}}""")] // closes too often
    [InlineData("""{"request":{"object":{"spec":{"files":[{"content":null}]}}}}""")] // nothing to replace
    [InlineData("""{"request":{"object":{"spec":{"files":[{"con\u0074ent":"x"}]}}}}""")] // a key spelt with escapes is not recognised
    [InlineData("""{"request":{"object":{"spec":{"files":{"content":"x"}}}}}""")] // files not a list
    [InlineData("""{"request":{"userInfo":{"spec":{"files":[{"content":"x"}]}}}}""")] // not the object
    [InlineData("""{"object":{"spec":{"files":[{"content":"x"}]}}}""")] // not inside the request
    [InlineData("""["request",{"object":{"spec":{"files":[{"content":"x"}]}}}]""")]
    [InlineData("""{"request":{"object":{"metadata":{"annotations":{"content":"x"}},"spec":{"files":[[{"content":"x"}]]}}}}""")]
    public void A_body_it_cannot_be_sure_of_or_without_a_content_string_has_no_skeleton(string json)
    {
        using var skeleton = ReviewSkeleton.TryBuild(Encoding.UTF8.GetBytes(json));

        Assert.Null(skeleton);
    }

    [Fact]
    public void Nesting_deeper_than_its_limit_has_no_skeleton()
    {
        var deep = new string('[', ReviewSkeleton.MaxDepth) + new string(']', ReviewSkeleton.MaxDepth);
        var json = """{"request":{"object":{"spec":{"files":[{"content":"x"}]},"deep":""" + deep + "}}}";

        using var skeleton = ReviewSkeleton.TryBuild(Encoding.UTF8.GetBytes(json));

        Assert.Null(skeleton);
    }

    [Fact]
    public void Contents_elsewhere_stay_and_null_stays_null()
    {
        var json = """{ "request" : { "userInfo":{"extra":{"content":["x"]}}, "object" : { "metadata":{"annotations":{"content":"keep"}}, "spec" : { "files" : [ { "content" : "a\nb" , "name":"x" }, {"content":null} ] } } , "oldObject":null } }""";

        using var skeleton = ReviewSkeleton.TryBuild(Encoding.UTF8.GetBytes(json));

        Assert.NotNull(skeleton);
        Assert.Equal(json.Replace("\"a\\nb\"", "3", StringComparison.Ordinal), Encoding.UTF8.GetString(skeleton.Span));
    }

    [Fact]
    public void A_conversion_review_has_each_v1_file_content_replaced_by_its_ordinal_which_gives_back_the_string_as_sent()
    {
        var json = """{"request":{"uid":"u","desiredAPIVersion":"orchestrator.io/v2","objects":[{"apiVersion":"orchestrator.io/v1","spec":{"markdownFiles":[{"filename":"a.md","content":"a\u003cb"},{"content":null},{"content":"\ud83d\ude00"}]}},{"apiVersion":"orchestrator.io/v2","spec":{"files":[{"content":"v2 stays"}]}},{"spec":{"markdownFiles":[{"content":"c"}]}}]},"object":{"spec":{"files":[{"content":"not a conversion's"}]}}}""";
        var body = Encoding.UTF8.GetBytes(json);

        using var skeleton = ReviewSkeleton.TryBuildForConversion(body);

        Assert.NotNull(skeleton);
        Assert.Equal(3, skeleton.Replaced);
        var expected = json.Replace("\"a\\u003cb\"", "0", StringComparison.Ordinal)
            .Replace("\"\\ud83d\\ude00\"", "1", StringComparison.Ordinal).Replace("\"c\"", "2", StringComparison.Ordinal);
        Assert.Equal(expected, Encoding.UTF8.GetString(skeleton.Span));
        Assert.Equal(["\"a\\u003cb\"", "\"\\ud83d\\ude00\"", "\"c\""], Enumerable.Range(0, 3).Select(i => Encoding.UTF8.GetString(body[skeleton.Original(i)])));
    }

    [Theory]
    [InlineData("""{"request":{"objects":[{"spec":{"markdownFiles":[{"content":42}]}}]}}""")]
    [InlineData("""{"request":{"objects":[{"spec":{"markdownFiles":[{"content":"lone \ud800"}]}}]}}""")]
    [InlineData("""{"request":{"objects":[{"spec":{"files":[{"content":"v2 only"}]}}]}}""")]
    [InlineData("""{"request":{"object":{"spec":{"files":[{"content":"an admission review"}]}}}}""")]
    public void A_conversion_review_without_a_v1_content_string_or_one_it_cannot_be_sure_of_has_no_skeleton(string json)
    {
        using var skeleton = ReviewSkeleton.TryBuildForConversion(Encoding.UTF8.GetBytes(json));

        Assert.Null(skeleton);
    }

    private static JsonObject Review(JsonArray files, JsonArray oldFiles) => new()
    {
        ["apiVersion"] = "admission.k8s.io/v1",
        ["request"] = new JsonObject
        {
            ["uid"] = "u",
            ["object"] = new JsonObject { ["metadata"] = new JsonObject { ["name"] = "x" }, ["spec"] = new JsonObject { ["files"] = files } },
            ["oldObject"] = new JsonObject { ["spec"] = new JsonObject { ["files"] = oldFiles, ["taskId"] = 7 } },
        },
    };

    private static JsonObject File(string name, string? content) => new() { ["name"] = name, ["content"] = content };

    /// <summary>The body with each content string of request.object and request.oldObject replaced by its UTF-8 length, as a tree.</summary>
    private static JsonNode ContentsAsLengths(byte[] body)
    {
        var review = JsonNode.Parse(body)!;
        foreach (var role in new[] { "object", "oldObject" })
        {
            if (review["request"]?[role]?["spec"]?["files"] is not JsonArray files)
            {
                continue;
            }

            foreach (var file in files)
            {
                if (file?["content"] is JsonValue value && value.GetValueKind() == JsonValueKind.String)
                {
                    file["content"] = Encoding.UTF8.GetByteCount(value.GetValue<string>());
                }
            }
        }

        return review;
    }

    private static bool HasLoneSurrogate(string text)
    {
        for (var i = 0; i < text.Length; i++)
        {
            if (char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(text[i]))
            {
                return true;
            }
        }

        return false;
    }
}
