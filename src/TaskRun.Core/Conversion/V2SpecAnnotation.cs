using System.Text.Json;
using System.Text.Json.Nodes;

namespace TaskRun.Core.Conversion;

/// <summary>
/// What the <c>orchestrator.io/v2-spec</c> annotation of a v1 TaskRun may carry: only the spec fields v1 cannot
/// state (<c>retry.maxRetries</c>, <c>timeoutSeconds</c>, <c>agent</c>, <c>cancel</c>, <c>dependsOn</c>). A key v1 can state
/// (taskId, serviceName, priority, files, retry.attempt) or an unknown one would let the annotation say something
/// else than the manifest a reviewer reads; conversion ignores such keys and keeps the annotation on the object,
/// so validation refuses it and names them.
/// </summary>
public static class V2SpecAnnotation
{
    public static readonly IReadOnlyList<string> AllowedKeys = ["retry.maxRetries", "timeoutSeconds", "agent", "cancel", "dependsOn"];

    /// <summary>Parses the annotation's text; null when it is not a JSON object.</summary>
    public static JsonObject? Parse(string? text)
    {
        try
        {
            return JsonNode.Parse(text ?? "") as JsonObject;
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException)
        {
            return null;
        }
    }

    /// <summary>The keys (dotted under retry) that are not v2-only, in the annotation's order.</summary>
    public static IReadOnlyList<string> RefusedKeys(JsonObject spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var refused = new List<string>();
        foreach (var (key, value) in spec)
        {
            if (key == "retry")
            {
                if (value is JsonObject retry)
                {
                    refused.AddRange(retry.Where(p => p.Key != "maxRetries").Select(p => "retry." + p.Key));
                }
                else
                {
                    refused.Add("retry");
                }
            }
            else if (!AllowedKeys.Contains(key))
            {
                refused.Add(key);
            }
        }

        return refused;
    }

    /// <summary>Removes the refused keys from <paramref name="spec"/>; returns whether any was there.</summary>
    public static bool RemoveRefused(JsonObject spec)
    {
        var refused = RefusedKeys(spec);
        foreach (var key in refused)
        {
            if (key.StartsWith("retry.", StringComparison.Ordinal) && spec["retry"] is JsonObject retry)
            {
                retry.Remove(key["retry.".Length..]);
            }
            else
            {
                spec.Remove(key);
            }
        }

        return refused.Count > 0;
    }
}
