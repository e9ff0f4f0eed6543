using System.Text.Json.Serialization.Metadata;
using k8s.Models;
using TaskRun.Core.Api;

namespace TaskRun.Core.Serialization;

/// <summary>
/// Contract modifiers for reads that need neither the files' contents nor managedFields: the member becomes unknown,
/// so the reader steps over its value without making a string or a JsonDocument of it, and it is never written.
/// </summary>
public static class SkippedMembers
{
    /// <summary>A file's <c>content</c> (nearly all of a TaskRun's bytes).</summary>
    public static void FileContents(JsonTypeInfo type) => Remove(type, typeof(TaskFile), "content");

    /// <summary>The metadata's <c>managedFields</c> (a JsonDocument per entry in the client's models).</summary>
    public static void ManagedFields(JsonTypeInfo type) => Remove(type, typeof(V1ObjectMeta), "managedFields");

    private static void Remove(JsonTypeInfo type, Type owner, string name)
    {
        ArgumentNullException.ThrowIfNull(type);
        if (type.Type != owner)
        {
            return;
        }

        for (var i = type.Properties.Count - 1; i >= 0; i--)
        {
            if (type.Properties[i].Name == name)
            {
                type.Properties.RemoveAt(i);
            }
        }
    }
}
