using System.ComponentModel.DataAnnotations;
using System.Text.Json.Serialization;

namespace TaskRun.Core.Api;

/// <summary>orchestrator.io/v1 TaskRun: exactly the seed design's shape.</summary>
public sealed class V1TaskRun() : TaskRunObject<V1TaskRunSpec>(TaskRunApi.V1ApiVersion);

public sealed class V1TaskRunSpec : TaskRunSpecIdentity
{
    [Required]
    [JsonPropertyName("markdownFiles")]
    public List<V1MarkdownFile>? MarkdownFiles { get; set; }

    [JsonPropertyName("retryAttempt")]
    public int? RetryAttempt { get; set; }
}

public sealed class V1MarkdownFile
{
    [Required]
    [JsonPropertyName("filename")]
    public string? Filename { get; set; }

    [Required]
    [JsonPropertyName("content")]
    public string? Content { get; set; }

    [JsonPropertyName("fileType")]
    public string? FileType { get; set; }
}
