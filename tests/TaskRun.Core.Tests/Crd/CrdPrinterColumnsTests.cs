using System.Text.Json.Nodes;
using TaskRun.Core.Api;
using Xunit;

namespace TaskRun.Core.Tests.Crd;

/// <summary>
/// <c>kubectl get otr</c> shows Task, Service, Priority, Phase, Attempt, Job and Age in every version; <c>-o wide</c>
/// adds Reason and Message.
/// </summary>
public sealed class CrdPrinterColumnsTests
{
    private static readonly CrdFile Crd = CrdFile.Load();

    private static readonly (string Name, string Type, string JsonPath)[] ExpectedColumns =
    [
        ("Task", "integer", ".spec.taskId"),
        ("Service", "string", ".spec.serviceName"),
        ("Priority", "string", ".spec.priority"),
        ("Phase", "string", ".status.phase"),
        ("Attempt", "integer", ".status.attempt"),
        ("Job", "string", ".status.jobName"),
        ("Cost", "number", ".status.totalCostUSD"),
        ("Age", "date", ".metadata.creationTimestamp"),
        ("Reason", "string", ".status.conditions[?(@.type==\"Succeeded\")].reason"),
        ("Message", "string", ".status.message"),
    ];

    public static TheoryData<string> Versions => [TaskRunApi.V1, TaskRunApi.V2];

    [Theory]
    [MemberData(nameof(Versions))]
    public void Columns_are_the_designed_ones_in_order(string version)
    {
        var columns = Columns(version).Select(c => ((string?)c["name"], (string?)c["type"], (string?)c["jsonPath"]));

        Assert.Equal(ExpectedColumns.Select(c => ((string?)c.Name, (string?)c.Type, (string?)c.JsonPath)), columns);
    }

    [Theory]
    [MemberData(nameof(Versions))]
    public void Only_the_reason_and_message_are_left_to_wide_output(string version)
    {
        var wide = Columns(version).Where(c => c["priority"]?.ToJsonString() is { } priority && priority != "0").Select(c => (string?)c["name"]);

        Assert.Equal(["Reason", "Message"], wide);
    }

    [Theory]
    [MemberData(nameof(Versions))]
    public void Every_column_reads_a_field_the_schema_declares_with_a_matching_type(string version)
    {
        var schema = Crd.Schema(version);
        foreach (var column in Columns(version))
        {
            var jsonPath = (string)column["jsonPath"]!;
            if (jsonPath.StartsWith(".metadata.", StringComparison.Ordinal))
            {
                continue; // metadata's schema belongs to the API server
            }

            if (jsonPath.StartsWith(".status.conditions[", StringComparison.Ordinal))
            {
                jsonPath = ".status.conditions[]" + jsonPath[(jsonPath.IndexOf(')', StringComparison.Ordinal) + 2)..]; // a filter picks one item
            }

            var field = SchemaNodes.At(schema, jsonPath.TrimStart('.'));
            var columnType = (string?)column["type"];
            Assert.True((string?)field["type"] == columnType, $"{version} column {column["name"]} is {columnType} but {jsonPath} is {field["type"]}");
        }
    }

    [Theory]
    [MemberData(nameof(Versions))]
    public void Only_Reason_and_Message_are_wide_columns(string version)
    {
        var wide = Columns(version).Where(c => (long?)c["priority"] > 0).Select(c => (string?)c["name"]);

        Assert.Equal(["Reason", "Message"], wide);
    }

    private static List<JsonObject> Columns(string version) =>
        [.. Crd.Version(version)["additionalPrinterColumns"]!.AsArray().OfType<JsonObject>()];
}
