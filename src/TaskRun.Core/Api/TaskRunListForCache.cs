using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using k8s.Models;
using TaskRun.Core.Serialization;

namespace TaskRun.Core.Api;

/// <summary>
/// A page of a TaskRun list as the informers read it: every item without its files' contents and its managedFields,
/// which no cache keeps. Both are skipped while the response streams in, so a page never holds them: read whole, a
/// page of 500 TaskRuns made tens of MB of file strings and a JsonDocument per managedFields entry, garbage once the
/// page was slimmed but promoted to gen2 by the collections during the read, where a cold start on 10,000 TaskRuns
/// piled them up.
/// </summary>
public sealed class TaskRunListForCache
{
    [JsonPropertyName("metadata")]
    public V1ListMeta Metadata { get; set; } = new();

    [JsonPropertyName("items")]
    public List<TaskRunForCache>? Items { get; set; }
}

/// <summary>One item of a <see cref="TaskRunListForCache"/>: the TaskRun, each file's content and the managedFields null.</summary>
[JsonConverter(typeof(TaskRunForCacheConverter))]
public readonly record struct TaskRunForCache(V2TaskRun TaskRun);

/// <summary>
/// Reads a TaskRun with the Kubernetes JSON options, except that a file's <c>content</c> and the metadata's
/// <c>managedFields</c> are unknown properties: the reader steps over them without making strings or documents. (A
/// converter of its own: the list is deserialized by the client with its options, which must lose nothing elsewhere.)
/// </summary>
internal sealed class TaskRunForCacheConverter : JsonConverter<TaskRunForCache>
{
    private static readonly JsonSerializerOptions Skipping = CreateOptions();

    public override TaskRunForCache Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        new(JsonSerializer.Deserialize<V2TaskRun>(ref reader, Skipping) ?? throw new JsonException("a TaskRun list item is null"));

    public override void Write(Utf8JsonWriter writer, TaskRunForCache value, JsonSerializerOptions options) =>
        JsonSerializer.Serialize(writer, value.TaskRun, KubeJson.Options);

    private static JsonSerializerOptions CreateOptions()
    {
        var options = new JsonSerializerOptions(KubeJson.Options)
        {
            TypeInfoResolver = KubeJson.Options.TypeInfoResolver!.WithAddedModifier(SkippedMembers.FileContents).WithAddedModifier(SkippedMembers.ManagedFields),
        };
        options.MakeReadOnly();
        return options;
    }
}
