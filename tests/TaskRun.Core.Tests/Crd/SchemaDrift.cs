using System.Text.Json.Nodes;

namespace TaskRun.Core.Tests.Crd;

/// <summary>
/// Compares a CRD version's schema with the shape of its C# type, both ways: fields, types, formats and
/// required lists. Returns one readable line per difference (empty when they agree), each starting with
/// the field path.
/// </summary>
internal static class SchemaDrift
{
    public static IReadOnlyList<string> Compare(JsonObject schema, FieldShape expected)
    {
        var drift = new List<string>();
        Compare("", schema, expected, drift);
        return drift;
    }

    private static void Compare(string path, JsonObject node, FieldShape expected, List<string> drift)
    {
        var shown = path.Length == 0 ? "(root)" : path;
        if (node.ContainsKey("x-kubernetes-preserve-unknown-fields"))
        {
            drift.Add($"{shown}: x-kubernetes-preserve-unknown-fields turns off pruning; state the fields of {expected.Source} instead");
        }

        switch (expected)
        {
            case ScalarShape scalar:
                ExpectKeyword(shown, node, "type", scalar.Type, scalar.Source, drift);
                ExpectKeyword(shown, node, "format", scalar.Format, scalar.Source, drift);
                break;
            case ObjectShape obj:
                ExpectKeyword(shown, node, "type", "object", obj.Source, drift);
                CompareProperties(path, node, obj, drift);
                CompareRequired(shown, node, obj, drift);
                break;
            case ArrayShape array:
                ExpectKeyword(shown, node, "type", "array", array.Source, drift);
                if (node["items"] is JsonObject items)
                {
                    Compare(SchemaNodes.Items(path), items, array.Items, drift);
                }
                else
                {
                    drift.Add($"{shown}: the schema gives no items for the list {array.Source}");
                }

                break;
            case QuantityMapShape map:
                ExpectKeyword(shown, node, "type", "object", map.Source, drift);
                ExpectNoProperties(shown, node, map.Source, drift);
                CompareQuantityValues(shown, node["additionalProperties"] as JsonObject, map.Source, drift);
                break;
            case OpaqueObjectShape opaque:
                ExpectKeyword(shown, node, "type", "object", opaque.Source, drift);
                foreach (var (keyword, _) in node.Where(k => k.Key != "type"))
                {
                    drift.Add($"{shown}: the schema sets {keyword} for {opaque.Source}; the API server owns its schema and refuses anything but type: object");
                }

                break;
            default:
                throw new NotSupportedException(expected.GetType().Name);
        }
    }

    private static void CompareProperties(string path, JsonObject node, ObjectShape expected, List<string> drift)
    {
        var properties = node["properties"] as JsonObject ?? [];
        foreach (var (name, shape) in expected.Properties)
        {
            var childPath = SchemaNodes.Child(path, name);
            if (properties[name] is JsonObject child)
            {
                Compare(childPath, child, shape, drift);
            }
            else
            {
                drift.Add($"{childPath}: in the C# types ({shape.Source}) but not in the CRD schema");
            }
        }

        foreach (var (name, _) in properties)
        {
            if (!expected.Properties.ContainsKey(name))
            {
                drift.Add($"{SchemaNodes.Child(path, name)}: in the CRD schema but not in the C# type {expected.Source}");
            }
        }
    }

    private static void CompareRequired(string shown, JsonObject node, ObjectShape expected, List<string> drift)
    {
        var required = (node["required"] as JsonArray ?? []).Select(r => (string?)r).ToList();
        foreach (var name in expected.Required.Except(required))
        {
            drift.Add($"{shown}: {name} is [Required] in {expected.Source} but not in the schema's required list");
        }

        foreach (var name in required.Except(expected.Required))
        {
            drift.Add($"{shown}: {name} is in the schema's required list but not [Required] in {expected.Source}");
        }
    }

    /// <summary>A quantity is an int-or-string value, as the built-in Kubernetes types declare it.</summary>
    private static void CompareQuantityValues(string shown, JsonObject? values, string source, List<string> drift)
    {
        if (values is null)
        {
            drift.Add($"{shown}: {source} is a map of quantities but the schema gives no additionalProperties");
            return;
        }

        if ((bool?)values["x-kubernetes-int-or-string"] != true)
        {
            drift.Add($"{shown}{{}}: quantities must be x-kubernetes-int-or-string: true");
        }

        var alternatives = (values["anyOf"] as JsonArray ?? []).Select(a => (string?)a?["type"]).ToList();
        if (!alternatives.SequenceEqual(["integer", "string"]))
        {
            drift.Add($"{shown}{{}}: quantities must be anyOf [integer, string], not [{string.Join(", ", alternatives)}]");
        }
    }

    private static void ExpectKeyword(string shown, JsonObject node, string keyword, string? expected, string source, List<string> drift)
    {
        var actual = node[keyword] is JsonValue value && value.TryGetValue<string>(out var text) ? text : null;
        if (actual != expected)
        {
            drift.Add($"{shown}: {keyword} is {Show(actual)} in the schema but {Show(expected)} for {source}");
        }
    }

    private static void ExpectNoProperties(string shown, JsonObject node, string source, List<string> drift)
    {
        if (node["properties"] is JsonObject { Count: > 0 })
        {
            drift.Add($"{shown}: the schema lists fields for {source}, which it should leave to Kubernetes");
        }
    }

    private static string Show(string? value) => value is null ? "absent" : $"\"{value}\"";
}
