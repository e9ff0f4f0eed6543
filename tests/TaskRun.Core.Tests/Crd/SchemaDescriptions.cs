using System.Text.Json.Nodes;

namespace TaskRun.Core.Tests.Crd;

/// <summary>Finds schema fields without a description (what <c>kubectl explain</c> would show empty).</summary>
internal static class SchemaDescriptions
{
    /// <summary>The API server owns metadata's schema and refuses a CRD that says more than its type.</summary>
    private const string Metadata = "metadata";

    public static IReadOnlyList<string> Missing(JsonObject schema) =>
    [
        .. from node in SchemaNodes.All(schema).Where(n => n.Path.Length == 0).Concat(SchemaNodes.Properties(schema))
           where node.Path != Metadata && string.IsNullOrWhiteSpace(DescriptionOf(node.Node))
           select node.Path.Length == 0 ? "(root)" : node.Path,
    ];

    private static string? DescriptionOf(JsonObject node) =>
        node["description"] is JsonValue value && value.TryGetValue<string>(out var text) ? text : null;
}
