using System.Text.Json;
using System.Text.Json.Nodes;
using TaskRun.Core.Config;
using Xunit;
using YamlDotNet.Core;

namespace TaskRun.Core.Tests.Config;

/// <summary>YAML 1.2 core-schema typing, so the JSON Schema can tell 3 from "3".</summary>
public sealed class YamlToJsonTests
{
    [Theory]
    [InlineData("3", "3")]
    [InlineData("-3", "-3")]
    [InlineData("+3", "3")]
    [InlineData("1.5", "1.5")]
    [InlineData("1e3", "1000")]
    [InlineData(".5", "0.5")]
    [InlineData("\"3\"", "\"3\"")]
    [InlineData("'3'", "\"3\"")]
    [InlineData("true", "true")]
    [InlineData("False", "false")]
    [InlineData("yes", "\"yes\"")]
    [InlineData("on", "\"on\"")]
    [InlineData("0x1F", "\"0x1F\"")]
    [InlineData("1_000", "\"1_000\"")]
    [InlineData("1e400", "\"1e400\"")]
    [InlineData(".inf", "\".inf\"")]
    [InlineData("2Gi", "\"2Gi\"")]
    [InlineData("null", "null")]
    [InlineData("~", "null")]
    [InlineData("\"null\"", "\"null\"")]
    [InlineData("\"\"", "\"\"")]
    public void Scalars_are_typed_as_YAML_1_2_core_schema(string scalar, string expectedJson)
    {
        var node = YamlToJson.Parse("value: " + scalar)!;

        Assert.Equal(expectedJson, node["value"]?.ToJsonString() ?? "null");
    }

    [Fact]
    public void Mappings_and_sequences_become_objects_and_arrays()
    {
        var node = YamlToJson.Parse("a:\n  b: [1, two]\n  c: {d: true}\n")!;

        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{"a":{"b":[1,"two"],"c":{"d":true}}}"""), node));
    }

    [Fact]
    public void An_empty_document_is_null() => Assert.Null(YamlToJson.Parse(""));

    [Fact]
    public void A_value_that_is_infinite_as_a_number_can_still_be_written_as_JSON()
    {
        var node = YamlToJson.Parse("cpu: 1e400\nneg: -1e400\n")!;

        Assert.Equal(JsonValueKind.String, node["cpu"]!.GetValueKind());
        Assert.Equal("""{"cpu":"1e400","neg":"-1e400"}""", node.ToJsonString());
    }

    [Theory]
    [InlineData("a: 1\na: 2\n")]
    [InlineData("a: 1\n---\nb: 2\n")]
    [InlineData("? [a]\n: 1\n")]
    [InlineData("a: [\n")]
    public void Bad_YAML_throws_a_YamlException(string yaml) => Assert.ThrowsAny<YamlException>(() => YamlToJson.Parse(yaml));
}
