using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace TaskRun.Controller.Notifications;

/// <summary>
/// One TaskRun phase transition as a CloudEvent 1.0 in HTTP binary mode: the attributes are <c>ce-*</c> headers
/// and the body is the data (application/json). The data names the TaskRun and its run, never its files.
/// </summary>
public sealed record CloudEvent(string Id, string Type, string Source, string Subject, DateTime Time, CloudEventData Data)
{
    public const string SpecVersion = "1.0";
    public const string TypePrefix = "io.orchestrator.taskrun.";
    public const string ContentType = "application/json";

    public static CloudEvent For(V2TaskRun taskRun, PendingNotification pending)
    {
        ArgumentNullException.ThrowIfNull(taskRun);
        ArgumentNullException.ThrowIfNull(pending);
        var ns = taskRun.Metadata.NamespaceProperty;
        var name = taskRun.Metadata.Name;
        var phase = pending.Phase ?? "";
        return new CloudEvent(
            pending.Id!,
            TypePrefix + phase.ToLowerInvariant(),
            $"/apis/{TaskRunApi.V2ApiVersion}/namespaces/{ns}/{TaskRunApi.Plural}/{name}",
            name,
            pending.Time ?? DateTime.UnixEpoch,
            new CloudEventData(ns, name, taskRun.Metadata.Uid, taskRun.Spec.TaskId, taskRun.Spec.ServiceName, pending.Run, phase, pending.Reason, pending.Message, pending.JobName));
    }

    /// <summary>The ce-time header: RFC 3339 in UTC.</summary>
    public string TimeText => Time.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    public HttpRequestMessage ToRequest(Uri sink)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, sink)
        {
            Content = new ByteArrayContent(JsonSerializer.SerializeToUtf8Bytes(Data, CloudEventJson.Default.CloudEventData)),
        };
        request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue(ContentType);
        request.Headers.Add("ce-specversion", SpecVersion);
        request.Headers.Add("ce-type", Type);
        request.Headers.Add("ce-source", Source);
        request.Headers.Add("ce-subject", Subject);
        request.Headers.Add("ce-id", Id);
        request.Headers.Add("ce-time", TimeText);
        return request;
    }

}

/// <summary>The data's JSON, generated at compile time (no reflection, so the native-AOT controller needs nothing kept for it).</summary>
[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(CloudEventData))]
internal sealed partial class CloudEventJson : JsonSerializerContext;

public sealed record CloudEventData(
    [property: JsonPropertyName("namespace")] string? Namespace,
    [property: JsonPropertyName("name")] string? Name,
    [property: JsonPropertyName("uid")] string? Uid,
    [property: JsonPropertyName("taskId")] long? TaskId,
    [property: JsonPropertyName("serviceName")] string? ServiceName,
    [property: JsonPropertyName("run")] int? Run,
    [property: JsonPropertyName("phase")] string Phase,
    [property: JsonPropertyName("reason")] string? Reason,
    [property: JsonPropertyName("message")] string? Message,
    [property: JsonPropertyName("jobName")] string? JobName);
