using System.Text.Json.Nodes;
using TaskRun.Webhook.Conversion;
using TaskRun.Webhook.Observability;
using TaskRun.Webhook.Tests.Support;
using Xunit;

namespace TaskRun.Webhook.Tests.Conversion;

public sealed class ConversionHandlerTests
{
    private readonly ConversionHandler handler = new(new WebhookMetrics());

    [Fact]
    public void Golden_v1_to_v2_renames_the_fields_and_keeps_metadata_exactly()
    {
        var request = Reviews.ConversionFixture("conversion-v1-to-v2.json");

        var (response, succeeded) = handler.Convert(request);

        Assert.True(succeeded);
        Assert.Equal("b94fde3f-aa8d-4936-a0e0-7b6325af69e7", response.Uid);
        Assert.Equal("Success", response.Result.State);
        var converted = Assert.Single(response.ConvertedObjects!)!;
        Assert.Equal("orchestrator.io/v2", (string?)converted["apiVersion"]);
        Assert.Equal("""{"taskId":1001,"files":[{"name":"task.md","content":"# Task"}]}""", converted["spec"]!.ToJsonString());
        Assert.True(JsonNode.DeepEquals(request.Objects![0]!["metadata"], converted["metadata"]));
    }

    [Fact]
    public void Golden_v2_to_v1_renames_the_fields_back()
    {
        var (response, succeeded) = handler.Convert(Reviews.ConversionFixture("conversion-v2-to-v1.json"));

        Assert.True(succeeded);
        var converted = Assert.Single(response.ConvertedObjects!)!;
        Assert.Equal("orchestrator.io/v1", (string?)converted["apiVersion"]);
        Assert.Equal("""{"taskId":1001,"markdownFiles":[{"filename":"task.md","content":"# Task"}]}""", converted["spec"]!.ToJsonString());
    }

    [Fact]
    public void Many_objects_of_both_versions_are_converted_in_order()
    {
        var v2 = Reviews.MinimalTaskRun("a");
        v2["spec"]!["timeoutSeconds"] = 3600;
        var v1 = Reviews.Parse("""{"apiVersion":"orchestrator.io/v1","kind":"TaskRun","metadata":{"name":"b"},"spec":{"taskId":2,"serviceName":"s","markdownFiles":[{"filename":"x.md","content":"x"}],"retryAttempt":2}}""");
        var request = new ConversionRequest { Uid = "u", DesiredApiVersion = "orchestrator.io/v1", Objects = [v2, v1, v2.DeepClone()] };

        var (response, succeeded) = handler.Convert(request);

        Assert.True(succeeded);
        Assert.Equal(["a", "b", "a"], response.ConvertedObjects!.Select(o => (string?)o!["metadata"]!["name"]));
        Assert.All(response.ConvertedObjects!, o => Assert.Equal("orchestrator.io/v1", (string?)o!["apiVersion"]));
        Assert.Equal("""{"timeoutSeconds":3600}""", (string?)response.ConvertedObjects![0]!["metadata"]!["annotations"]!["orchestrator.io/v2-spec"]);
    }

    [Fact]
    public void A_v2_only_field_survives_the_round_trip_through_v1()
    {
        var original = Reviews.MinimalTaskRun();
        original["spec"]!["timeoutSeconds"] = 7200;
        original["spec"]!["retry"] = new JsonObject { ["attempt"] = 2, ["maxRetries"] = 5 };
        original["spec"]!["agent"] = new JsonObject { ["image"] = "ghcr.io/x/y:1" };

        var toV1 = handler.Convert(new ConversionRequest { Uid = "1", DesiredApiVersion = "orchestrator.io/v1", Objects = [original] }).Response;
        var back = handler.Convert(new ConversionRequest { Uid = "2", DesiredApiVersion = "orchestrator.io/v2", Objects = [toV1.ConvertedObjects![0]] }).Response;

        Assert.True(JsonNode.DeepEquals(original, back.ConvertedObjects![0]), back.ConvertedObjects![0]!.ToJsonString());
    }

    [Fact]
    public void An_unconvertible_object_fails_the_review_with_a_message_naming_it()
    {
        var broken = Reviews.Parse("""{"apiVersion":"orchestrator.io/v1","kind":"TaskRun","metadata":{"name":"bad","namespace":"ns","annotations":{"orchestrator.io/v2-spec":"{not json"}},"spec":{"taskId":1}}""");

        var (response, succeeded) = handler.Convert(new ConversionRequest { Uid = "u", DesiredApiVersion = "orchestrator.io/v2", Objects = [Reviews.MinimalTaskRun(), broken] });

        Assert.False(succeeded);
        Assert.Equal("u", response.Uid);
        Assert.Equal("Failure", response.Result.State);
        Assert.Null(response.ConvertedObjects);
        Assert.Contains("\"ns/bad\"", response.Result.Message, StringComparison.Ordinal);
        Assert.Contains("orchestrator.io/v2-spec", response.Result.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("orchestrator.io/v3", """{"apiVersion":"orchestrator.io/v1","kind":"TaskRun","metadata":{"name":"a"}}""", "desiredAPIVersion")]
    [InlineData("orchestrator.io/v2", """{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"a"}}""", "not a TaskRun")]
    [InlineData("orchestrator.io/v2", """{"apiVersion":"orchestrator.io/v9","kind":"TaskRun","metadata":{"name":"a"}}""", "orchestrator.io/v9")]
    [InlineData("orchestrator.io/v2", "[1]", "not a JSON object")]
    public void Unknown_versions_and_kinds_fail_clearly(string desired, string obj, string expected)
    {
        var (response, succeeded) = handler.Convert(new ConversionRequest { Uid = "u", DesiredApiVersion = desired, Objects = [JsonNode.Parse(obj)] });

        Assert.False(succeeded);
        Assert.Contains(expected, response.Result.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void No_objects_is_a_successful_empty_conversion()
    {
        var (response, succeeded) = handler.Convert(new ConversionRequest { Uid = "u", DesiredApiVersion = "orchestrator.io/v1", Objects = [] });
        Assert.True(succeeded);
        Assert.Empty(response.ConvertedObjects!);
    }
}
