using System.Collections;
using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using TaskRun.Core.Serialization;

namespace TaskRun.Controller.Reconciliation;

/// <summary>
/// Status is written only when it changed. Both are compared in their serialized form, so every field counts,
/// including one added later, with two allowances for what carries no meaning: times count to the second
/// (the API server's precision for its own times, so a round trip is not a change), and an empty list is
/// the same as none.
/// </summary>
public static class StatusComparer
{
    private static readonly JsonSerializerOptions Comparable = ComparableOptions();

    [UnconditionalSuppressMessage("Trimming", "IL2026", Justification = KubeJson.ReflectionKept)]
    [UnconditionalSuppressMessage("AOT", "IL3050", Justification = KubeJson.ReflectionKept)]
    public static bool Same(TaskRunStatus? current, TaskRunStatus next) =>
        current is not null && JsonSerializer.Serialize(current, Comparable) == JsonSerializer.Serialize(next, Comparable);

    [UnconditionalSuppressMessage("Trimming", "IL2026", Justification = KubeJson.ReflectionKept)]
    [UnconditionalSuppressMessage("AOT", "IL3050", Justification = KubeJson.ReflectionKept)]
    private static JsonSerializerOptions ComparableOptions()
    {
        var options = new JsonSerializerOptions(KubeJson.Options)
        {
            TypeInfoResolver = new DefaultJsonTypeInfoResolver { Modifiers = { SkipEmptyLists } },
        };
        options.Converters.Insert(0, new WholeSecondsConverter());
        options.MakeReadOnly();
        return options;
    }

    private static void SkipEmptyLists(JsonTypeInfo type)
    {
        foreach (var property in type.Properties)
        {
            if (property.PropertyType != typeof(string) && typeof(ICollection).IsAssignableFrom(property.PropertyType))
            {
                property.ShouldSerialize = static (_, value) => value is ICollection { Count: > 0 };
            }
        }
    }

    /// <summary>A time as UTC to the second (the kind is taken as UTC, as the API server's times are).</summary>
    private sealed class WholeSecondsConverter : JsonConverter<DateTime>
    {
        public override DateTime Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            throw new NotSupportedException("only used to compare serialized statuses");

        public override void Write(Utf8JsonWriter writer, DateTime value, JsonSerializerOptions options) =>
            writer.WriteStringValue(new DateTime(value.Ticks - (value.Ticks % TimeSpan.TicksPerSecond), DateTimeKind.Utc).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'"));
    }
}
