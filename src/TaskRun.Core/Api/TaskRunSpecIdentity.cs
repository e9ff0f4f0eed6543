using System.ComponentModel.DataAnnotations;
using System.Text.Json.Serialization;

namespace TaskRun.Core.Api;

/// <summary>The spec fields both served versions spell the same way: which task, for which service, how urgent.</summary>
public abstract class TaskRunSpecIdentity
{
    // The serializer writes a derived type's own properties first; these lead the spec as they always have.
    private const int First = -1;

    [Required]
    [JsonPropertyName("taskId")]
    [JsonPropertyOrder(First)]
    public long? TaskId { get; set; }

    [Required]
    [JsonPropertyName("serviceName")]
    [JsonPropertyOrder(First)]
    public string? ServiceName { get; set; }

    [JsonPropertyName("priority")]
    [JsonPropertyOrder(First)]
    public string? Priority { get; set; }
}
