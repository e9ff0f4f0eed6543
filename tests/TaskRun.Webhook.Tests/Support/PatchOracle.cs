using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.JsonPatch.SystemTextJson;

namespace TaskRun.Webhook.Tests.Support;

/// <summary>
/// Applies an RFC 6902 patch with Microsoft.AspNetCore.JsonPatch.SystemTextJson: an implementation that is not
/// ours, so a patch it applies cleanly and that gives the expected document is a correct patch.
/// </summary>
internal static class PatchOracle
{
    public static JsonNode Apply(JsonNode document, byte[] patch)
    {
        var operations = JsonSerializer.Deserialize<JsonPatchDocument>(patch)
            ?? throw new InvalidOperationException("the patch is JSON null");
        var copy = document.DeepClone();
        operations.ApplyTo(copy);
        return copy;
    }
}
