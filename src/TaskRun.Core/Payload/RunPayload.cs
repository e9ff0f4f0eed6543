using System.Text;

namespace TaskRun.Core.Payload;

/// <summary>The data of one run's ConfigMap, in order, with its size as the API server counts it.</summary>
public sealed record RunPayload(IReadOnlyList<KeyValuePair<string, string>> Entries)
{
    public const string ClaudeFileName = "CLAUDE.md";
    public const string MetadataFileName = "metadata.yaml";

    /// <summary>UTF-8 bytes of every key plus every value: the measure of the API server's 1 MiB ConfigMap limit.</summary>
    public long SizeBytes { get; } = Entries.Sum(e => (long)Encoding.UTF8.GetByteCount(e.Key) + Encoding.UTF8.GetByteCount(e.Value));

    public Dictionary<string, string> ToDictionary() => Entries.ToDictionary(e => e.Key, e => e.Value, StringComparer.Ordinal);
}
