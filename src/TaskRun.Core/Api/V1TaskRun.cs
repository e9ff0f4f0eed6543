using System.ComponentModel.DataAnnotations;
using System.Text.Json.Serialization;
using k8s;
using k8s.Models;

namespace TaskRun.Core.Api;

/// <summary>orchestrator.io/v1 TaskRun: exactly the seed design's shape.</summary>
public sealed class V1TaskRun : IKubernetesObject<V1ObjectMeta>, ISpec<V1TaskRunSpec>, IStatus<TaskRunStatus?>
{
    [JsonPropertyName("apiVersion")]
    public string ApiVersion { get; set; } = TaskRunApi.V1ApiVersion;

    [JsonPropertyName("kind")]
    public string Kind { get; set; } = TaskRunApi.Kind;

    [JsonPropertyName("metadata")]
    public V1ObjectMeta Metadata { get; set; } = new();

    [Required]
    [JsonPropertyName("spec")]
    public V1TaskRunSpec Spec { get; set; } = new();

    [JsonPropertyName("status")]
    public TaskRunStatus? Status { get; set; }
}

public sealed class V1TaskRunSpec
{
    [Required]
    [JsonPropertyName("taskId")]
    public long? TaskId { get; set; }

    [Required]
    [JsonPropertyName("serviceName")]
    public string? ServiceName { get; set; }

    [JsonPropertyName("priority")]
    public string? Priority { get; set; }

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
