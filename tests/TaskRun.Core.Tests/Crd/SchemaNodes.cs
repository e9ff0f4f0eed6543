using System.Text.Json.Nodes;

namespace TaskRun.Core.Tests.Crd;

/// <summary>
/// Walks an OpenAPI v3 schema by field path: <c>spec.files[].name</c> (<c>[]</c> = array items,
/// <c>{}</c> = the values of a map, i.e. additionalProperties).
/// </summary>
internal static class SchemaNodes
{
    public static string Child(string path, string name) => path.Length == 0 ? name : $"{path}.{name}";

    public static string Items(string path) => path + "[]";

    public static string MapValues(string path) => path + "{}";

    /// <summary>Every schema node under <paramref name="schema"/> (itself included, with path ""), depth first.</summary>
    public static IEnumerable<(string Path, JsonObject Node)> All(JsonObject schema) => Walk("", schema);

    /// <summary>Only the nodes that are named properties (what <c>kubectl explain</c> lists as fields).</summary>
    public static IEnumerable<(string Path, JsonObject Node)> Properties(JsonObject schema) =>
        All(schema).Where(n => n.Path.Length > 0 && !n.Path.EndsWith("[]", StringComparison.Ordinal) && !n.Path.EndsWith("{}", StringComparison.Ordinal));

    /// <summary>The node at <paramref name="path"/>, or an exception naming the path.</summary>
    public static JsonObject At(JsonObject schema, string path) =>
        All(schema).Where(n => n.Path == path).Select(n => n.Node).FirstOrDefault()
        ?? throw new KeyNotFoundException($"the schema has no node at \"{path}\"");

    private static IEnumerable<(string Path, JsonObject Node)> Walk(string path, JsonObject node)
    {
        yield return (path, node);
        if (node["properties"] is JsonObject properties)
        {
            foreach (var (name, child) in properties)
            {
                if (child is JsonObject childNode)
                {
                    foreach (var descendant in Walk(Child(path, name), childNode))
                    {
                        yield return descendant;
                    }
                }
            }
        }

        if (node["items"] is JsonObject items)
        {
            foreach (var descendant in Walk(Items(path), items))
            {
                yield return descendant;
            }
        }

        if (node["additionalProperties"] is JsonObject values)
        {
            foreach (var descendant in Walk(MapValues(path), values))
            {
                yield return descendant;
            }
        }
    }
}
