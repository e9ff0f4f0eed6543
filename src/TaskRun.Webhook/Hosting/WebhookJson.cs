using System.Text.Json.Serialization;
using TaskRun.Webhook.Admission;
using TaskRun.Webhook.Conversion;

namespace TaskRun.Webhook.Hosting;

/// <summary>
/// Source-generated JSON for the review envelopes: camelCase, nulls omitted, case-sensitive (Kubernetes JSON
/// is), numbers only as numbers. The objects inside are read with <see cref="Core.Serialization.KubeJson"/>.
/// </summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    PropertyNameCaseInsensitive = false,
    NumberHandling = JsonNumberHandling.Strict,
    MaxDepth = 128)]
[JsonSerializable(typeof(AdmissionReview))]
[JsonSerializable(typeof(ConversionReview))]
[JsonSerializable(typeof(ErrorBody))]
internal sealed partial class WebhookJson : JsonSerializerContext;

/// <summary>The body of a 4xx/5xx answer to a request that is not a usable review.</summary>
internal sealed record ErrorBody(string Error, int Code);
