using System.Buffers;
using TaskRun.Webhook.Admission;
using TaskRun.Webhook.Conversion;

namespace TaskRun.Webhook.Hosting;

/// <summary>
/// Reads review bodies, turning every way a body can be wrong into a <see cref="ReviewFormatException"/> that
/// says what and where. An AdmissionReview is parsed once into a <see cref="JsonDocument"/>: the envelope is
/// read from it and the objects stay elements of it, never copied (they are most of the bytes).
/// </summary>
internal static class ReviewParser
{
    private static readonly JsonDocumentOptions DocumentOptions = new() { MaxDepth = 128 };

    /// <summary>Parses the body; the caller disposes the document once the review is answered.</summary>
    public static JsonDocument ParseDocument(ReadOnlySequence<byte> body, string what)
    {
        try
        {
            return JsonDocument.Parse(body, DocumentOptions);
        }
        catch (JsonException e)
        {
            throw new ReviewFormatException($"the body is not a valid {what}: {FirstSentence(e.Message)}", e);
        }
    }

    public static AdmissionReview ReadAdmission(JsonElement root)
    {
        const string What = "AdmissionReview";
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw new ReviewFormatException($"the body is not a valid {What}: it is a JSON {Kind(root)}, not an object");
        }

        var review = new AdmissionReview { ApiVersion = String(root, "apiVersion", "$"), Kind = String(root, "kind", "$") };
        if (review.ApiVersion != AdmissionReview.ApiVersionV1 || review.Kind != AdmissionReview.KindName)
        {
            throw new ReviewFormatException(
                $"expected apiVersion {AdmissionReview.ApiVersionV1}, kind {AdmissionReview.KindName}; got apiVersion \"{Printable(review.ApiVersion)}\", kind \"{Printable(review.Kind)}\" (register the webhook with admissionReviewVersions: [v1])");
        }

        if (!root.TryGetProperty("request", out var element) || element.ValueKind == JsonValueKind.Null)
        {
            throw new ReviewFormatException("the AdmissionReview has no request");
        }

        if (element.ValueKind != JsonValueKind.Object)
        {
            throw new ReviewFormatException($"the body is not a valid {What} at $.request: expected an object, got a JSON {Kind(element)}");
        }

        // Read member by member: a serializer would scan the (large) object once more just to skip it.
        var request = new AdmissionRequest
        {
            Uid = String(element, "uid", "$.request"),
            Kind = GroupVersionKind(element, "kind"),
            Resource = GroupVersionResource(element, "resource"),
            SubResource = String(element, "subResource", "$.request"),
            RequestKind = GroupVersionKind(element, "requestKind"),
            RequestResource = GroupVersionResource(element, "requestResource"),
            RequestSubResource = String(element, "requestSubResource", "$.request"),
            Name = String(element, "name", "$.request"),
            Namespace = String(element, "namespace", "$.request"),
            Operation = String(element, "operation", "$.request"),
            DryRun = Bool(element, "dryRun", "$.request"),
            Object = Member(element, "object"),
            OldObject = Member(element, "oldObject"),
        };
        if (string.IsNullOrEmpty(request.Uid))
        {
            throw new ReviewFormatException("the AdmissionReview request has no uid");
        }

        review.Request = request;
        return review;
    }

    public static ConversionReview ReadConversion(ReadOnlySequence<byte> body)
    {
        const string What = "ConversionReview";
        var json = new Utf8JsonReader(body, new JsonReaderOptions { MaxDepth = 128 });
        ConversionReview? review;
        try
        {
            review = JsonSerializer.Deserialize(ref json, WebhookJson.Default.ConversionReview);
        }
        catch (JsonException e)
        {
            throw new ReviewFormatException($"the body is not a valid {What}{Where(e.Path, "$")}: {FirstSentence(e.Message)}", e);
        }

        if (review is null)
        {
            throw new ReviewFormatException($"the body is JSON null; expected a {What}");
        }

        if (review.ApiVersion != ConversionReview.ApiVersionV1 || review.Kind != ConversionReview.KindName)
        {
            throw new ReviewFormatException(
                $"expected apiVersion {ConversionReview.ApiVersionV1}, kind {ConversionReview.KindName}; got apiVersion \"{Printable(review.ApiVersion)}\", kind \"{Printable(review.Kind)}\" (set conversionReviewVersions: [v1] in the CRD)");
        }

        if (review.Request is null)
        {
            throw new ReviewFormatException("the ConversionReview has no request");
        }

        if (string.IsNullOrEmpty(review.Request.Uid))
        {
            throw new ReviewFormatException("the ConversionReview request has no uid");
        }

        return review;
    }

    /// <summary>A member that must be a string when present.</summary>
    private static string? String(JsonElement obj, string name, string at) =>
        !obj.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null ? null
        : value.ValueKind == JsonValueKind.String ? value.GetString()
        : throw WrongType(at, name, "a string", value);

    private static bool? Bool(JsonElement obj, string name, string at) =>
        !obj.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null ? null
        : value.ValueKind is JsonValueKind.True or JsonValueKind.False ? value.GetBoolean()
        : throw WrongType(at, name, "true or false", value);

    private static GroupVersionKind? GroupVersionKind(JsonElement request, string name)
    {
        var at = $"$.request.{name}";
        return Object(request, name) is { } value
            ? new GroupVersionKind(String(value, "group", at), String(value, "version", at), String(value, "kind", at))
            : null;
    }

    private static GroupVersionResource? GroupVersionResource(JsonElement request, string name)
    {
        var at = $"$.request.{name}";
        return Object(request, name) is { } value
            ? new GroupVersionResource(String(value, "group", at), String(value, "version", at), String(value, "resource", at))
            : null;
    }

    private static JsonElement? Object(JsonElement obj, string name) =>
        !obj.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null ? null
        : value.ValueKind == JsonValueKind.Object ? value
        : throw WrongType("$.request", name, "an object", value);

    private static ReviewFormatException WrongType(string at, string name, string expected, JsonElement value) =>
        new($"the body is not a valid AdmissionReview at {at}.{name}: expected {expected}, got a JSON {Kind(value)}");

    private static string Kind(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.True or JsonValueKind.False => "boolean",
        var kind => kind.ToString().ToLowerInvariant(),
    };

    /// <summary>A member kept as an element; absent and null are both "none".</summary>
    private static JsonElement? Member(JsonElement obj, string name) =>
        obj.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null ? value : null;

    /// <summary>" at $.request.uid" from a path inside the element read at <paramref name="at"/>.</summary>
    private static string Where(string? path, string at)
    {
        var inside = string.IsNullOrEmpty(path) || path == "$" ? "" : path[1..];
        var full = at + inside;
        return full == "$" ? "" : $" at {full}";
    }

    private static string FirstSentence(string message)
    {
        var cut = message.IndexOf(" Path:", StringComparison.Ordinal);
        return cut > 0 ? message[..cut] : message;
    }

    private static string Printable(string? value)
    {
        value ??= "";
        var shown = value.Length > 100 ? value[..100] + "…" : value;
        return new string([.. shown.Select(c => char.IsControl(c) ? '?' : c)]);
    }
}

/// <summary>The request is not a review the webhook can answer; the message says why (HTTP 400).</summary>
internal sealed class ReviewFormatException : Exception
{
    public ReviewFormatException(string message) : base(message) { }

    public ReviewFormatException(string message, Exception inner) : base(message, inner) { }

    public ReviewFormatException() { }
}
