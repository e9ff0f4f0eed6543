using System.Text.Json.Nodes;
using TaskRun.Core.Conversion;
using TaskRun.Webhook.Admission;
using TaskRun.Webhook.Hosting;
using TaskRun.Webhook.Observability;

namespace TaskRun.Webhook.Conversion;

/// <summary>
/// The CRD conversion webhook (/convert): every object of the review to <c>desiredAPIVersion</c> with
/// <see cref="TaskRunConverter"/>, in order. An object that cannot be converted fails the whole review with a
/// <c>Failure</c> result naming the object and the reason: never an HTTP 500, and never a partial answer (the
/// API server requires one converted object per object sent).
/// </summary>
internal sealed class ConversionHandler(WebhookMetrics metrics)
{
    public const string Endpoint = "convert";

    public (ConversionResponse Response, bool Succeeded) Convert(ConversionRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var uid = request.Uid!;
        var desired = request.DesiredApiVersion;
        var objects = request.Objects ?? [];
        var converted = new List<JsonNode?>(objects.Count);
        for (var i = 0; i < objects.Count; i++)
        {
            if (objects[i] is not JsonObject taskRun)
            {
                return Failed(uid, $"objects[{i}] is not a JSON object");
            }

            var kind = taskRun["kind"]?.GetValueKind() == JsonValueKind.String ? (string?)taskRun["kind"] : null;
            if (kind != TaskRunApi.Kind)
            {
                return Failed(uid, $"objects[{i}] is a \"{kind}\", not a {TaskRunApi.Kind}: this webhook converts only {TaskRunApi.Group} TaskRuns");
            }

            var from = taskRun["apiVersion"]?.GetValueKind() == JsonValueKind.String ? (string?)taskRun["apiVersion"] : null;
            try
            {
                converted.Add(TaskRunConverter.Convert(taskRun, desired ?? ""));
            }
            catch (ConversionException e)
            {
                return Failed(uid, $"cannot convert TaskRun {Describe(taskRun)} to {desired}: {e.Message}");
            }

            metrics.Conversions.WithLabels(Direction(from, desired), "converted").Inc();
        }

        return (new ConversionResponse { Uid = uid, ConvertedObjects = converted, Result = Admission.ApiStatus.Succeeded() }, true);
    }

    /// <summary>
    /// The whole answer to a common review (v1 to v2, or already in the desired version) written from the request's
    /// bytes (<see cref="RawConversion"/>) into <paramref name="answer"/>, counted like <see cref="Convert"/> counts:
    /// over the review's skeleton when it has one that converts (the file contents, nearly all of the bytes, are then
    /// copied without the reader walking them), else over the review as sent; false when <see cref="Convert"/> must
    /// answer, nothing was counted and <paramref name="answer"/> is to be discarded.
    /// </summary>
    public bool TryConvertRaw(ReadOnlySpan<byte> body, PooledBufferWriter answer, JsonWriterOptions options, out RawConversion.Converted converted)
    {
        ArgumentNullException.ThrowIfNull(answer);
        converted = default;
        var written = false;
        using (var skeleton = ReviewSkeleton.TryBuildForConversion(body))
        {
            if (skeleton is not null)
            {
                using var writer = new Utf8JsonWriter(answer, options);
                written = RawConversion.TryWrite(body, skeleton, writer, out converted);
            }
        }

        if (!written)
        {
            answer.Clear();
            using var writer = new Utf8JsonWriter(answer, options);
            if (!RawConversion.TryWrite(body, writer, out converted))
            {
                return false;
            }
        }

        var from = converted.DesiredApiVersion == TaskRunApi.V2ApiVersion ? TaskRunApi.V1ApiVersion : null;
        for (var i = 0; i < converted.Objects; i++)
        {
            metrics.Conversions.WithLabels(Direction(i < converted.FromV1 ? from : converted.DesiredApiVersion, converted.DesiredApiVersion), "converted").Inc();
        }

        return true;
    }

    private (ConversionResponse, bool) Failed(string uid, string message)
    {
        metrics.Conversions.WithLabels("unknown", "failed").Inc();
        return (new ConversionResponse { Uid = uid, Result = ApiStatus.Failed(message) }, false);
    }

    private static string Direction(string? from, string? to) => (from, to) switch
    {
        (TaskRunApi.V1ApiVersion, TaskRunApi.V2ApiVersion) => "v1-to-v2",
        (TaskRunApi.V2ApiVersion, TaskRunApi.V1ApiVersion) => "v2-to-v1",
        _ => "unchanged",
    };

    private static string Describe(JsonObject taskRun)
    {
        var metadata = taskRun["metadata"] as JsonObject;
        var ns = metadata?["namespace"]?.GetValueKind() == JsonValueKind.String ? (string?)metadata["namespace"] : null;
        var name = metadata?["name"]?.GetValueKind() == JsonValueKind.String ? (string?)metadata["name"] : null;
        return ns is null ? $"\"{name}\"" : $"\"{ns}/{name}\"";
    }
}
