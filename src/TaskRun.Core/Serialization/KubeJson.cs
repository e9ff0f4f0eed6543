using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using System.Text.Json.Nodes;
using k8s;

namespace TaskRun.Core.Serialization;

/// <summary>
/// The one JSON convention for Kubernetes objects: KubernetesClient's own options
/// (camelCase, nulls omitted, RFC 3339 times, quantities), so our types and its models agree.
/// </summary>
public static class KubeJson
{
    /// <summary>
    /// Why reflection-based serialization is kept in the native-AOT controller (the trim and AOT warnings it
    /// suppresses): ours embed KubernetesClient's models and are serialized with its options, which resolve its
    /// models from its source-generated context and everything else by reflection.
    /// </summary>
    public const string ReflectionKept = "Reflection-based System.Text.Json on purpose, as KubernetesClient's own: the native-AOT controller names the "
        + "reflection resolver (KubernetesJsonReflection) and keeps TaskRun.Core and TaskRun.Controller whole; KubernetesClient's "
        + "models come from its source-generated context (TaskRun.Controller.csproj); its publish test reconciles a TaskRun.";

    public static JsonSerializerOptions Options { get; } = CaptureClientOptions();

    [UnconditionalSuppressMessage("Trimming", "IL2026", Justification = ReflectionKept)]
    [UnconditionalSuppressMessage("AOT", "IL3050", Justification = ReflectionKept)]
    public static string Serialize<T>(T value) => JsonSerializer.Serialize(value, Options);

    [UnconditionalSuppressMessage("Trimming", "IL2026", Justification = ReflectionKept)]
    [UnconditionalSuppressMessage("AOT", "IL3050", Justification = ReflectionKept)]
    public static byte[] SerializeToUtf8Bytes<T>(T value) => JsonSerializer.SerializeToUtf8Bytes(value, Options);

    [UnconditionalSuppressMessage("Trimming", "IL2026", Justification = ReflectionKept)]
    [UnconditionalSuppressMessage("AOT", "IL3050", Justification = ReflectionKept)]
    public static T? Deserialize<T>(string json) => JsonSerializer.Deserialize<T>(json, Options);

    [UnconditionalSuppressMessage("Trimming", "IL2026", Justification = ReflectionKept)]
    [UnconditionalSuppressMessage("AOT", "IL3050", Justification = ReflectionKept)]
    public static T? Deserialize<T>(JsonNode? node) => node is null ? default : node.Deserialize<T>(Options);

    [UnconditionalSuppressMessage("Trimming", "IL2026", Justification = ReflectionKept)]
    [UnconditionalSuppressMessage("AOT", "IL3050", Justification = ReflectionKept)]
    public static T? Deserialize<T>(JsonElement element) => element.Deserialize<T>(Options);

    [UnconditionalSuppressMessage("Trimming", "IL2026", Justification = ReflectionKept)]
    [UnconditionalSuppressMessage("AOT", "IL3050", Justification = ReflectionKept)]
    public static JsonNode? ToNode<T>(T value) => JsonSerializer.SerializeToNode(value, Options);

    /// <summary>
    /// What a value converter (a resource quantity, a date) throws for a value it cannot read: not a JsonException,
    /// and without a path.
    /// </summary>
    public static bool IsConverterFailure(Exception exception) =>
        exception is FormatException or InvalidOperationException or OverflowException or ArgumentException;

    [UnconditionalSuppressMessage("Trimming", "IL2026", Justification = ReflectionKept)]
    [UnconditionalSuppressMessage("AOT", "IL3050", Justification = ReflectionKept)]
    private static JsonSerializerOptions CaptureClientOptions()
    {
        JsonSerializerOptions? captured = null;
        KubernetesJson.AddJsonOptions(options => captured = options);
        var copy = new JsonSerializerOptions(captured ?? throw new InvalidOperationException("KubernetesJson exposed no options"));
        copy.MakeReadOnly(populateMissingResolver: true);
        return copy;
    }
}
