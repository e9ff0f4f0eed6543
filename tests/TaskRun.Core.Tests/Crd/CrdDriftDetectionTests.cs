using System.Text.Json.Nodes;
using TaskRun.Core.Api;
using Xunit;

namespace TaskRun.Core.Tests.Crd;

/// <summary>
/// The drift checks can fail: each test alters a copy of the real schema in one way and asserts the
/// comparison reports that exact field. (The unaltered schema passing is CrdSchemaMatchesTypesTests.)
/// </summary>
public sealed class CrdDriftDetectionTests
{
    private static readonly CrdFile Crd = CrdFile.Load();

    [Theory]
    [InlineData(TaskRunApi.V2, "spec.files[].type")]
    [InlineData(TaskRunApi.V2, "spec.retry.maxRetries")]
    [InlineData(TaskRunApi.V2, "spec.agent.resources.limits")]
    [InlineData(TaskRunApi.V2, "status.nextRetryTime")]
    [InlineData(TaskRunApi.V2, "status.conditions[].observedGeneration")]
    [InlineData(TaskRunApi.V1, "spec.retryAttempt")]
    public void A_field_missing_from_the_schema_is_reported(string version, string path)
    {
        var schema = AlteredSchema(version);
        var (parent, name) = ParentAndName(schema, path);
        parent["properties"]!.AsObject().Remove(name);

        AssertReported(TypeDrift(version, schema), path, "not in the CRD schema");
    }

    [Theory]
    [InlineData(TaskRunApi.V2, "spec", "timeout")]
    [InlineData(TaskRunApi.V2, "spec.files[]", "mode")]
    [InlineData(TaskRunApi.V2, "status", "podName")]
    [InlineData(TaskRunApi.V1, "spec", "files")]
    public void A_schema_field_missing_from_the_CSharp_type_is_reported(string version, string parentPath, string name)
    {
        var schema = AlteredSchema(version);
        SchemaNodes.At(schema, parentPath)["properties"]![name] = new JsonObject { ["type"] = "string", ["description"] = "x" };

        AssertReported(TypeDrift(version, schema), SchemaNodes.Child(parentPath, name), "not in the C# type");
    }

    [Theory]
    [InlineData(TaskRunApi.V2, "spec", "serviceName")]
    [InlineData(TaskRunApi.V2, "spec.files[]", "content")]
    [InlineData(TaskRunApi.V2, "", "spec")]
    [InlineData(TaskRunApi.V1, "spec.markdownFiles[]", "filename")]
    [InlineData(TaskRunApi.V2, "status.conditions[]", "type")]
    public void A_required_entry_missing_from_the_schema_is_reported(string version, string path, string name)
    {
        var schema = AlteredSchema(version);
        var required = SchemaNodes.At(schema, path)["required"]!.AsArray();
        required.Remove(required.Single(r => (string?)r == name));

        AssertReported(TypeDrift(version, schema), path.Length == 0 ? "(root)" : path, $"{name} is [Required]");
    }

    [Theory]
    [InlineData(TaskRunApi.V2, "spec", "priority")]
    [InlineData(TaskRunApi.V2, "status", "phase")]
    public void An_extra_required_entry_is_reported(string version, string path, string name)
    {
        var schema = AlteredSchema(version);
        var node = SchemaNodes.At(schema, path);
        if (node["required"] is not JsonArray required)
        {
            required = [];
            node["required"] = required;
        }

        required.Add(name);

        AssertReported(TypeDrift(version, schema), path, $"{name} is in the schema's required list but not [Required]");
    }

    [Theory]
    [InlineData(TaskRunApi.V2, "spec.taskId", "format", "int32")]
    [InlineData(TaskRunApi.V2, "spec.timeoutSeconds", "type", "string")]
    [InlineData(TaskRunApi.V2, "status.completionTime", "format", "date")]
    [InlineData(TaskRunApi.V2, "spec.cancel", "type", "string")]
    [InlineData(TaskRunApi.V1, "spec.markdownFiles", "type", "object")]
    public void A_type_or_format_that_differs_is_reported(string version, string path, string keyword, string value)
    {
        var schema = AlteredSchema(version);
        SchemaNodes.At(schema, path)[keyword] = value;

        AssertReported(TypeDrift(version, schema), path, $"{keyword} is \"{value}\" in the schema");
    }

    [Fact]
    public void Quantities_that_are_no_longer_int_or_string_are_reported()
    {
        var schema = AlteredSchema(TaskRunApi.V2);
        SchemaNodes.At(schema, "spec.agent.resources.requests{}").Remove("x-kubernetes-int-or-string");

        AssertReported(TypeDrift(TaskRunApi.V2, schema), "spec.agent.resources.requests{}", "x-kubernetes-int-or-string");
    }

    [Theory]
    [InlineData("description")]
    [InlineData("properties")]
    public void Saying_more_about_metadata_than_its_type_is_reported(string keyword)
    {
        var schema = AlteredSchema(TaskRunApi.V2);
        SchemaNodes.At(schema, "metadata")[keyword] = keyword == "properties" ? new JsonObject() : "x";

        AssertReported(TypeDrift(TaskRunApi.V2, schema), "metadata", $"sets {keyword}");
    }

    [Fact]
    public void Preserving_unknown_fields_is_reported()
    {
        var schema = AlteredSchema(TaskRunApi.V2);
        SchemaNodes.At(schema, "spec")["x-kubernetes-preserve-unknown-fields"] = true;

        AssertReported(TypeDrift(TaskRunApi.V2, schema), "spec", "pruning");
    }

    [Theory]
    [InlineData(TaskRunApi.V2, "spec.priority", "critical")]
    [InlineData(TaskRunApi.V2, "spec.files[].type", "acceptance-criteria")]
    [InlineData(TaskRunApi.V2, "status.phase", "Succeeded")]
    [InlineData(TaskRunApi.V1, "status.phase", "Pending")]
    [InlineData(TaskRunApi.V1, "spec.markdownFiles[].fileType", "context")]
    public void An_enum_value_missing_from_the_schema_is_reported(string version, string path, string value)
    {
        var schema = AlteredSchema(version);
        var values = SchemaNodes.At(schema, path)["enum"]!.AsArray();
        values.Remove(values.Single(v => (string?)v == value));

        AssertReported(ConstraintDrift.Compare(schema, ExpectedConstraints.For(version)), path, "enum");
    }

    [Theory]
    [InlineData(TaskRunApi.V2, "spec.retry.maxRetries", "maximum", 11)]
    [InlineData(TaskRunApi.V2, "spec.timeoutSeconds", "minimum", 1)]
    [InlineData(TaskRunApi.V2, "spec.serviceName", "maxLength", 253)]
    [InlineData(TaskRunApi.V2, "spec.taskId", "minimum", 0)]
    [InlineData(TaskRunApi.V1, "spec.retryAttempt", "minimum", 0)]
    public void A_bound_that_differs_from_SpecLimits_is_reported(string version, string path, string keyword, long value)
    {
        var schema = AlteredSchema(version);
        SchemaNodes.At(schema, path)[keyword] = value;

        AssertReported(ConstraintDrift.Compare(schema, ExpectedConstraints.For(version)), path, $"{keyword} is {value} in the schema");
    }

    [Theory]
    [InlineData("spec.files[].name", "pattern")]
    [InlineData("spec.files", "minItems")]
    [InlineData("spec.agent.resources.limits{}", "pattern")]
    public void A_missing_bound_is_reported(string path, string keyword)
    {
        var schema = AlteredSchema(TaskRunApi.V2);
        SchemaNodes.At(schema, path).Remove(keyword);

        AssertReported(ConstraintDrift.Compare(schema, ExpectedConstraints.For(TaskRunApi.V2)), path, $"no {keyword}");
    }

    [Fact]
    public void A_bound_the_CSharp_constants_do_not_state_is_reported()
    {
        var schema = AlteredSchema(TaskRunApi.V2);
        SchemaNodes.At(schema, "spec.taskId")["maximum"] = 99_999;

        AssertReported(ConstraintDrift.Compare(schema, ExpectedConstraints.For(TaskRunApi.V2)), "spec.taskId", "do not state");
    }

    [Fact]
    public void A_field_without_description_is_reported()
    {
        var schema = AlteredSchema(TaskRunApi.V2);
        SchemaNodes.At(schema, "spec.agent.resources.requests").Remove("description");
        SchemaNodes.At(schema, "status.conditions[].reason")["description"] = " ";

        Assert.Equal(["spec.agent.resources.requests", "status.conditions[].reason"], SchemaDescriptions.Missing(schema));
    }

    private static JsonObject AlteredSchema(string version) => (JsonObject)Crd.Schema(version).DeepClone();

    private static IReadOnlyList<string> TypeDrift(string version, JsonObject schema) =>
        SchemaDrift.Compare(schema, TypeShapes.Of(version == TaskRunApi.V1 ? typeof(V1TaskRun) : typeof(V2TaskRun)));

    private static (JsonObject Parent, string Name) ParentAndName(JsonObject schema, string path)
    {
        var dot = path.LastIndexOf('.');
        return dot < 0 ? (schema, path) : (SchemaNodes.At(schema, path[..dot]), path[(dot + 1)..]);
    }

    private static void AssertReported(IReadOnlyList<string> drift, string path, string fragment) =>
        Assert.True(
            drift.Any(line => line.StartsWith(path + ":", StringComparison.Ordinal) && line.Contains(fragment, StringComparison.Ordinal)),
            $"expected a drift line for \"{path}\" mentioning \"{fragment}\"; got:\n{string.Join("\n", drift)}");
}
