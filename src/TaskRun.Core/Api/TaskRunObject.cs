using System.ComponentModel.DataAnnotations;
using System.Text.Json.Serialization;
using k8s;
using k8s.Models;

namespace TaskRun.Core.Api;

/// <summary>What both served versions of a TaskRun share: the object's envelope and status; only the spec differs.</summary>
public abstract class TaskRunObject<TSpec> : IKubernetesObject<V1ObjectMeta>, ISpec<TSpec>, IStatus<TaskRunStatus?>
    where TSpec : new()
{
    protected TaskRunObject(string apiVersion) => ApiVersion = apiVersion;

    [JsonPropertyName("apiVersion")]
    public string ApiVersion { get; set; }

    [JsonPropertyName("kind")]
    public string Kind { get; set; } = TaskRunApi.Kind;

    [JsonPropertyName("metadata")]
    public V1ObjectMeta Metadata { get; set; } = new();

    [Required]
    [JsonPropertyName("spec")]
    public TSpec Spec { get; set; } = new();

    [JsonPropertyName("status")]
    public TaskRunStatus? Status { get; set; }
}
