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

/// <summary>
/// One item of a <see cref="TaskRunListForCache"/>: the TaskRun, each file's content and the managedFields null. A
/// class, not a struct: the list's converter is made by reflection, and native AOT has code for a generic
/// instantiation over a value type only when the compiler saw it (a struct here failed every list at run time).
/// </summary>
[JsonConverter(typeof(TaskRunForCacheConverter))]
public sealed record TaskRunForCache(V2TaskRun TaskRun);

/// <summary>
/// Reads a TaskRun with the Kubernetes JSON options, except that a file's <c>content</c> and the metadata's
/// <c>managedFields</c> are unknown properties: the reader steps over them without making strings or documents. (A
/// converter of its own: the list is deserialized by the client with its options, which must lose nothing elsewhere.)
/// </summary>
internal sealed class TaskRunForCacheConverter : JsonConverter<TaskRunForCache>
{
    // Contracts taken from the options (not by a generic call), so the trimmer sees no reflection here: the
    // native-AOT controller keeps our models whole, and KubernetesClient's come from its source-generated context.
    private static readonly JsonTypeInfo<V2TaskRun> Skipping = (JsonTypeInfo<V2TaskRun>)CreateOptions().GetTypeInfo(typeof(V2TaskRun));
    private static readonly JsonTypeInfo<V2TaskRun> Whole = (JsonTypeInfo<V2TaskRun>)KubeJson.Options.GetTypeInfo(typeof(V2TaskRun));

    public override TaskRunForCache Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        new(JsonSerializer.Deserialize(ref reader, Skipping) ?? throw new JsonException("a TaskRun list item is null"));

    public override void Write(Utf8JsonWriter writer, TaskRunForCache value, JsonSerializerOptions options) =>
        JsonSerializer.Serialize(writer, value.TaskRun, Whole);

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
