using System.Text.Json.Nodes;

namespace TaskRun.Core.Tests.Samples;

/// <summary>RFC 7386 JSON merge patch, to derive a test object from a sample by the fields that differ.</summary>
internal static class JsonMergePatch
{
    public static JsonObject Apply(JsonObject target, JsonObject patch)
    {
        var result = (JsonObject)target.DeepClone();
        Merge(result, patch);
        return result;
    }

    private static void Merge(JsonObject target, JsonObject patch)
    {
        foreach (var (name, value) in patch)
        {
            if (value is null)
            {
                target.Remove(name);
            }
            else if (value is JsonObject patchObject && target[name] is JsonObject targetObject)
            {
                Merge(targetObject, patchObject);
            }
            else
            {
                target[name] = value.DeepClone();
            }
        }
    }
}
