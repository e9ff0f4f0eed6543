using System.ComponentModel.DataAnnotations;
using System.Text;
using System.Text.Json.Serialization;
using k8s;
using k8s.Models;

namespace TaskRun.Core.Api;

/// <summary>orchestrator.io/v2 TaskRun: the hub, the storage version and the version the controller reads.</summary>
public sealed class V2TaskRun() : TaskRunObject<V2TaskRunSpec>(TaskRunApi.V2ApiVersion)
{
    /// <summary>
    /// A copy without its files' contents (most of a TaskRun's size), for the controller's cache. Copied member
    /// by member, so a field added later is kept without being listed; metadata and status are shared, not copied.
    /// </summary>
    public V2TaskRun WithoutFileContents()
    {
        var copy = (V2TaskRun)MemberwiseClone();
        copy.Spec = Spec.WithoutFileContents();
        return copy;
    }

    /// <summary>A copy (member by member: metadata and spec shared) with another status.</summary>
    public V2TaskRun WithStatus(TaskRunStatus? status)
    {
        var copy = (V2TaskRun)MemberwiseClone();
        copy.Status = status;
        return copy;
    }
}

public sealed class V2TaskRunSpec : TaskRunSpecIdentity
{
    [Required]
    [JsonPropertyName("files")]
    public List<TaskFile>? Files { get; set; }

    [JsonPropertyName("retry")]
    public RetrySpec? Retry { get; set; }

    [JsonPropertyName("timeoutSeconds")]
    public int? TimeoutSeconds { get; set; }

    [JsonPropertyName("agent")]
    public AgentOverride? Agent { get; set; }

    [JsonPropertyName("cancel")]
    public bool? Cancel { get; set; }

    /// <summary>Names of TaskRuns in the same namespace that must succeed before this one's run starts.</summary>
    [JsonPropertyName("dependsOn")]
    public List<string>? DependsOn { get; set; }

    /// <summary>A copy of every field (member by member), whose files have no contents.</summary>
    public V2TaskRunSpec WithoutFileContents()
    {
        var copy = (V2TaskRunSpec)MemberwiseClone();
        copy.Files = Files?.Select(file => file?.WithoutContent()!).ToList();
        return copy;
    }
}

public sealed class TaskFile
{
    [Required]
    [JsonPropertyName("name")]
    public string? Name { get; set; }

    [JsonPropertyName("type")]
    public string? Type { get; set; }

    [Required]
    [JsonPropertyName("content")]
    public string? Content { get; set; }

    /// <summary>
    /// The content's length in UTF-8 bytes when it was measured instead of read: the validating webhook judges
    /// a 1 MiB file without turning it into a 2 MiB string. Null otherwise; never serialized.
    /// </summary>
    [JsonIgnore]
    public long? MeasuredContentBytes { get; set; }

    /// <summary>The content's length in UTF-8 bytes, measured or counted; null when there is no content.</summary>
    public long? ContentBytes() => MeasuredContentBytes ?? (Content is null ? null : Encoding.UTF8.GetByteCount(Content));

    /// <summary>A copy of every field (member by member) but the content.</summary>
    public TaskFile WithoutContent()
    {
        var copy = (TaskFile)MemberwiseClone();
        copy.Content = null;
        return copy;
    }
}

public sealed class RetrySpec
{
    [JsonPropertyName("attempt")]
    public int? Attempt { get; set; }

    [JsonPropertyName("maxRetries")]
    public int? MaxRetries { get; set; }
}

public sealed class AgentOverride
{
    [JsonPropertyName("image")]
    public string? Image { get; set; }

    [JsonPropertyName("resources")]
    public V1ResourceRequirements? Resources { get; set; }

    /// <summary>The agent CLI's --max-turns for each run; not an override, so allowed whatever the config says.</summary>
    [JsonPropertyName("maxTurns")]
    public int? MaxTurns { get; set; }
}

/// <summary>A list of v2 TaskRuns as the API server returns it.</summary>
public sealed class V2TaskRunList : IKubernetesObject<V1ListMeta>, IItems<V2TaskRun>
{
    [JsonPropertyName("apiVersion")]
    public string ApiVersion { get; set; } = TaskRunApi.V2ApiVersion;

    [JsonPropertyName("kind")]
    public string Kind { get; set; } = TaskRunApi.ListKind;

    [JsonPropertyName("metadata")]
    public V1ListMeta Metadata { get; set; } = new();

    [JsonPropertyName("items")]
    public IList<V2TaskRun> Items { get; set; } = [];
}
