using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Json.Schema;

namespace TaskRun.Core.Config;

/// <summary>
/// Turns JSON Schema failures of <c>config.yaml</c> into errors a cluster admin can act on: the key, the value
/// found and the expected form, read from the schema itself (type, bounds, allowed values, the form of a
/// pattern), never the evaluator's own wording ("Value is "string" but should be "number"").
/// </summary>
internal static class ConfigSchemaErrors
{
    /// <summary>Human forms of the schema's named definitions and patterned keys.</summary>
    private static readonly Dictionary<string, string> Forms = new(StringComparer.Ordinal)
    {
        ["#/$defs/quantity"] = "a resource quantity such as \"500m\", \"2\" or \"4Gi\"",
        ["#/$defs/image"] = "an image reference without spaces, such as \"ghcr.io/org/agent:1.2\"",
        ["secrets.name"] = "a Secret name: lower-case letters, digits, '-' and '.', starting and ending with a letter or digit",
        ["secrets.apiKeyKey"] = "a Secret data key: letters, digits, '-', '_' and '.'",
    };

    public static List<ConfigError> From(EvaluationResults results, JsonNode document, JsonObject schema)
    {
        var errors = new List<ConfigError>();
        var failed = (results.Details ?? [])
            .Where(d => d.Errors is { Count: > 0 })
            .GroupBy(d => d.InstanceLocation.ToString(), StringComparer.Ordinal);
        foreach (var location in failed)
        {
            var segments = Segments(location.Key);
            var key = segments.Count == 0 ? ControllerConfig.DataKey : string.Join('.', segments);
            var keywords = location.SelectMany(d => d.Errors!.Keys).ToList();
            var unknown = keywords.Any(keyword => keyword is "" or "false");
            var missing = keywords.Contains("required") ? MissingKeys(schema, document, segments) : [];
            errors.Add(new ConfigError(key, unknown
                ? UnknownKey(schema, segments)
                : missing.Count > 0
                    ? $"lacks the required key{(missing.Count > 1 ? "s" : "")} {string.Join(", ", missing)}; add {(missing.Count > 1 ? "them" : "it")}"
                    : $"is {Found(document, segments)}; expected {Expected(schema, At(schema, segments), key)}"));
        }

        return errors;
    }

    private static string UnknownKey(JsonObject schema, List<string> segments)
    {
        var parent = Resolve(schema, At(schema, segments[..^1]));
        var known = (parent?["properties"] as JsonObject)?.Select(p => p.Key).ToList() ?? [];
        return known.Count == 0
            ? "is not a known key; check its spelling against the config reference"
            : $"is not a known key; check its spelling (known keys here: {string.Join(", ", known)})";
    }

    /// <summary>The expected form of a value the schema node describes.</summary>
    private static string Expected(JsonObject schema, JsonNode? node, string key)
    {
        if (Forms.TryGetValue(key, out var byKey))
        {
            return byKey;
        }

        if (node?["$ref"] is JsonValue reference && Forms.TryGetValue((string)reference!, out var byDefinition))
        {
            return byDefinition;
        }

        node = Resolve(schema, node);
        if (node is null)
        {
            return "a value the config reference describes";
        }

        if (node["anyOf"] is JsonArray anyOf)
        {
            return string.Join(" or ", anyOf.Select(branch => Expected(schema, branch, "")));
        }

        if (node["enum"] is JsonArray values)
        {
            return "one of " + string.Join(", ", values.Select(v => v?.ToJsonString() ?? "null"));
        }

        var types = node["type"] switch
        {
            JsonArray many => many.Select(t => (string)t!).ToList(),
            JsonValue one => [(string)one!],
            _ => [],
        };
        var forms = types.Select(type => type switch
        {
            "integer" => "an integer" + Bounds(node),
            "number" => "a number" + Bounds(node),
            "boolean" => "true or false (a boolean)",
            "object" => "a mapping (object) of keys",
            "null" => "null",
            "array" => "a list" + (node["minItems"] is JsonValue min ? $" of at least {min}" : "") +
                (node["uniqueItems"] is JsonValue unique && (bool)unique! ? " without repeats" : "") +
                (node["items"] is JsonNode items ? $", each {Expected(schema, items, "")}" : ""),
            "string" => node["pattern"] is JsonValue pattern ? $"a string matching {pattern}"
                : node["minLength"] is JsonValue minLength && (int)minLength! > 0 ? "a non-empty string" : "a string",
            _ => type,
        });
        return string.Join(" or ", forms);
    }

    private static string Bounds(JsonNode node)
    {
        var parts = new List<string>();
        if (node["minimum"] is JsonValue min)
        {
            parts.Add($"at least {min.ToJsonString()}");
        }

        if (node["maximum"] is JsonValue max)
        {
            parts.Add($"at most {max.ToJsonString()}");
        }

        return parts.Count == 0 ? "" : ", " + string.Join(" and ", parts);
    }

    /// <summary>The schema node for an instance location, following properties, map values and list items.</summary>
    private static JsonNode? At(JsonObject schema, List<string> segments)
    {
        JsonNode? node = schema;
        foreach (var segment in segments)
        {
            var resolved = Resolve(schema, node);
            node = resolved?["properties"]?[segment]
                ?? (resolved?["additionalProperties"] as JsonObject)
                ?? (resolved?["items"] as JsonObject);
            if (node is null)
            {
                return null;
            }
        }

        return node;
    }

    private static JsonNode? Resolve(JsonObject schema, JsonNode? node)
    {
        while (node?["$ref"] is JsonValue reference && ((string)reference!).StartsWith("#/$defs/", StringComparison.Ordinal))
        {
            node = schema["$defs"]?[((string)reference!)["#/$defs/".Length..]];
        }

        return node;
    }

    /// <summary>The keys the schema requires at this place that the document does not have.</summary>
    private static List<string> MissingKeys(JsonObject schema, JsonNode document, List<string> segments)
    {
        var required = (Resolve(schema, At(schema, segments))?["required"] as JsonArray)?.Select(k => (string?)k).OfType<string>() ?? [];
        var present = Value(document, segments) as JsonObject;
        return [.. required.Where(k => present?.ContainsKey(k) != true)];
    }

    private static string Found(JsonNode document, List<string> segments) =>
        Value(document, segments)?.ToJsonString(new JsonSerializerOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }) ?? "null";

    private static JsonNode? Value(JsonNode document, List<string> segments)
    {
        JsonNode? node = document;
        foreach (var segment in segments)
        {
            node = node switch
            {
                JsonObject o => o[segment],
                JsonArray a when int.TryParse(segment, NumberStyles.None, CultureInfo.InvariantCulture, out var i) && i < a.Count => a[i],
                _ => null,
            };
        }

        return node;
    }

    private static List<string> Segments(string pointer) =>
        [.. pointer.Split('/', StringSplitOptions.RemoveEmptyEntries).Select(p => p.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal))];
}
