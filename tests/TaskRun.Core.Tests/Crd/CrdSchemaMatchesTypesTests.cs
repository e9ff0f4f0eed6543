using System.Text.Json.Nodes;
using TaskRun.Core.Api;
using Xunit;

namespace TaskRun.Core.Tests.Crd;

/// <summary>
/// The CRD schema and the C# types must agree field by field (docs/design-decisions.md: a status phase enum that drifted from
/// the CRD made the API server reject status writes). Each test names every disagreement it finds.
/// </summary>
public sealed class CrdSchemaMatchesTypesTests
{
    private static readonly CrdFile Crd = CrdFile.Load();

    public static TheoryData<string, Type> VersionsAndTypes => new()
    {
        { TaskRunApi.V1, typeof(V1TaskRun) },
        { TaskRunApi.V2, typeof(V2TaskRun) },
    };

    public static TheoryData<string> Versions => [TaskRunApi.V1, TaskRunApi.V2];

    [Theory]
    [MemberData(nameof(VersionsAndTypes))]
    public void Schema_fields_types_and_required_lists_match_the_CSharp_type(string version, Type type)
    {
        var drift = SchemaDrift.Compare(Crd.Schema(version), TypeShapes.Of(type));

        Assert.True(drift.Count == 0, $"CRD {version} and {type.Name} disagree:\n{string.Join("\n", drift)}");
    }

    [Theory]
    [MemberData(nameof(Versions))]
    public void Schema_states_exactly_the_enums_and_bounds_of_the_CSharp_constants(string version)
    {
        var drift = ConstraintDrift.Compare(Crd.Schema(version), ExpectedConstraints.For(version));

        Assert.True(drift.Count == 0, $"CRD {version} value validations disagree with the C# constants:\n{string.Join("\n", drift)}");
    }

    [Theory]
    [MemberData(nameof(Versions))]
    public void Status_schema_matches_TaskRunStatus(string version)
    {
        var status = SchemaNodes.At(Crd.Schema(version), "status");

        var drift = SchemaDrift.Compare(status, TypeShapes.Of(typeof(TaskRunStatus)));

        Assert.True(drift.Count == 0, $"CRD {version} status and TaskRunStatus disagree:\n{string.Join("\n", drift)}");
    }

    [Fact]
    public void Status_schema_is_the_same_in_both_versions()
    {
        var v1 = SchemaNodes.At(Crd.Schema(TaskRunApi.V1), "status");
        var v2 = SchemaNodes.At(Crd.Schema(TaskRunApi.V2), "status");

        Assert.True(JsonNode.DeepEquals(v1, v2), "status must be declared identically in v1 and v2: conversion copies it as is");
    }

    [Fact]
    public void Schema_enums_hold_the_values_of_the_CSharp_constant_lists()
    {
        // Stated once more directly, so a failure reads as the enum it is.
        var v2 = Crd.Schema(TaskRunApi.V2);
        var v1 = Crd.Schema(TaskRunApi.V1);

        Assert.Equal(Priorities.All, EnumOf(v2, "spec.priority"));
        Assert.Equal(Priorities.All, EnumOf(v1, "spec.priority"));
        Assert.Equal(FileTypes.All, EnumOf(v2, "spec.files[].type"));
        Assert.Equal(FileTypes.All, EnumOf(v1, "spec.markdownFiles[].fileType"));
        Assert.Equal(Phases.All, EnumOf(v2, "status.phase"));
        Assert.Equal(Phases.All, EnumOf(v1, "status.phase"));
    }

    private static List<string> EnumOf(JsonObject schema, string path) =>
        [.. SchemaNodes.At(schema, path)["enum"]!.AsArray().Select(v => (string)v!)];
}
