using System.Text.Json;
using System.Text.Json.Nodes;
using Json.Schema;

namespace TaskRun.Core.Tests.Samples;

/// <summary>
/// Evaluates an object against a CRD version's openAPIV3Schema with a JSON Schema evaluator, offline.
/// The x-kubernetes-* extensions are dropped first: the evaluator refuses unknown keywords, and the ones
/// used here add nothing it could check (int-or-string is also stated by anyOf).
/// </summary>
internal static class CrdSchemaEvaluator
{
    /// <summary>One "instance location: message" line per error; empty when the object is valid.</summary>
    public static IReadOnlyList<string> Errors(JsonObject openApiSchema, JsonObject instance)
    {
        var schema = JsonSchema.FromText(WithoutKubernetesExtensions(openApiSchema).ToJsonString());
        using var document = JsonDocument.Parse(instance.ToJsonString());
        var options = new EvaluationOptions { OutputFormat = OutputFormat.List, RequireFormatValidation = true };
        var results = schema.Evaluate(document.RootElement, options);
        if (results.IsValid)
        {
            return [];
        }

        // The list also holds the errors of anyOf alternatives that did not match; they name the same field.
        return
        [
            .. from detail in results.Details ?? []
               where detail.Errors is { Count: > 0 }
               from error in detail.Errors!
               select $"{detail.InstanceLocation}: {error.Value}",
        ];
    }

    private static JsonNode WithoutKubernetesExtensions(JsonNode node)
    {
        var copy = node.DeepClone();
        Strip(copy);
        return copy;
    }

    private static void Strip(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var key in obj.Select(p => p.Key).Where(k => k.StartsWith("x-kubernetes-", StringComparison.Ordinal)).ToList())
                {
                    obj.Remove(key);
                }

                foreach (var (_, child) in obj)
                {
                    Strip(child);
                }

                break;
            case JsonArray array:
                foreach (var item in array)
                {
                    Strip(item);
                }

                break;
        }
    }
}
