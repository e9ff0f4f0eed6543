using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using TaskRun.Webhook.Admission;

namespace TaskRun.Webhook.Conversion;

/// <summary>apiextensions.k8s.io/v1 ConversionReview, as the API server sends and expects it.</summary>
internal sealed class ConversionReview
{
    public const string ApiVersionV1 = "apiextensions.k8s.io/v1";
    public const string KindName = "ConversionReview";

    public string? ApiVersion { get; set; }

    public string? Kind { get; set; }

    public ConversionRequest? Request { get; set; }

    public ConversionResponse? Response { get; set; }

    public static ConversionReview Answer(ConversionResponse response) =>
        new() { ApiVersion = ApiVersionV1, Kind = KindName, Response = response };
}

internal sealed class ConversionRequest
{
    public string? Uid { get; set; }

    /// <summary>e.g. <c>orchestrator.io/v2</c>.</summary>
    [JsonPropertyName("desiredAPIVersion")]
    public string? DesiredApiVersion { get; set; }

    /// <summary>The objects to convert: many for a LIST, each with full metadata.</summary>
    public List<JsonNode?>? Objects { get; set; }
}

internal sealed class ConversionResponse
{
    public string Uid { get; set; } = "";

    /// <summary>The converted objects, in the order of the request; absent on failure.</summary>
    public List<JsonNode?>? ConvertedObjects { get; set; }

    /// <summary><c>status: Success</c>, or <c>status: Failure</c> with a message (the API server's "Failed" result).</summary>
    public ApiStatus Result { get; set; } = ApiStatus.Succeeded();
}
