using System.Text.Json.Nodes;

namespace TaskRun.Core.Tests.Crd;

/// <summary>Finds schema fields without a description (what <c>kubectl explain</c> would show empty).</summary>
internal static class SchemaDescriptions
{
    public static IReadOnlyList<string> Missing(JsonObject schema) =>
    [
        .. from node in SchemaNodes.All(schema).Where(n => n.Path.Length == 0).Concat(SchemaNodes.Properties(schema))
           where string.IsNullOrWhiteSpace(node.Node["description"] is JsonValue value && value.TryGetValue<string>(out var text) ? text : null)
           select node.Path.Length == 0 ? "(root)" : node.Path,
    ];
}
