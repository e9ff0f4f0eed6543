using System.Text.Json.Serialization;

namespace TaskRun.Webhook.Admission;

/// <summary>
/// admission.k8s.io/v1 AdmissionReview, as the API server sends and expects it (KubernetesClient has no such
/// model). Only the fields a webhook reads or writes; unknown fields are ignored. Requests are read by
/// <see cref="Hosting.ReviewParser"/>; responses are written with <see cref="Hosting.WebhookJson"/>.
/// </summary>
internal sealed class AdmissionReview
{
    public const string ApiVersionV1 = "admission.k8s.io/v1";
    public const string KindName = "AdmissionReview";

    public string? ApiVersion { get; set; }

    public string? Kind { get; set; }

    public AdmissionRequest? Request { get; set; }

    public AdmissionResponse? Response { get; set; }

    /// <summary>The review that answers a request: always v1, always the request's uid.</summary>
    public static AdmissionReview Answer(AdmissionResponse response) =>
        new() { ApiVersion = ApiVersionV1, Kind = KindName, Response = response };
}

internal sealed class AdmissionRequest
{
    public string? Uid { get; set; }

    /// <summary>The kind of <see cref="Object"/> (after conversion under <c>matchPolicy: Equivalent</c>).</summary>
    public GroupVersionKind? Kind { get; set; }

    public GroupVersionResource? Resource { get; set; }

    public string? SubResource { get; set; }

    /// <summary>The kind the client used (e.g. v1 while <see cref="Kind"/> is v2).</summary>
    public GroupVersionKind? RequestKind { get; set; }

    public GroupVersionResource? RequestResource { get; set; }

    public string? RequestSubResource { get; set; }

    public string? Name { get; set; }

    public string? Namespace { get; set; }

    /// <summary>CREATE, UPDATE, DELETE or CONNECT.</summary>
    public string? Operation { get; set; }

    /// <summary>The <see cref="Operation"/> values the handlers tell apart.</summary>
    public const string Create = "CREATE", Update = "UPDATE", Delete = "DELETE";

    private JsonElement? @object;
    private JsonElement? oldObject;
    private Hosting.ReviewTree? tree;

    /// <summary>
    /// The object, an element of the request's parsed body (not copied): read by
    /// <see cref="Hosting.ReviewParser"/>, valid while the handler runs. For a request read in the typed pass
    /// (<see cref="Typed"/>), the body is parsed only when this is first asked for.
    /// </summary>
    public JsonElement? Object { get => tree is null ? @object : tree.RequestMember("object"); set => @object = value; }

    /// <inheritdoc cref="Object"/>
    public JsonElement? OldObject { get => tree is null ? oldObject : tree.RequestMember("oldObject"); set => oldObject = value; }

    public bool? DryRun { get; set; }

    /// <summary>The objects as the typed pass read them (<see cref="Hosting.TypedReviewReader"/>); null when the request was read from a tree.</summary>
    [JsonIgnore]
    public TypedObjects? Typed { get; private set; }

    /// <summary>Set by the typed pass: its objects, and the body's tree for whoever needs the raw objects.</summary>
    internal void SetTypedObjects(TypedObjects typed, Hosting.ReviewTree bodyTree)
    {
        Typed = typed;
        tree = bodyTree;
    }
}

/// <remarks>
/// The parameterless constructors are what the serializer uses: a review carries four of these, and reading
/// through the positional constructor cost an argument cache per object.
/// </remarks>
internal sealed record GroupVersionKind(string? Group, string? Version, string? Kind)
{
    public GroupVersionKind()
        : this(null, null, null)
    {
    }

    public override string ToString() => string.IsNullOrEmpty(Group) ? $"{Version}/{Kind}" : $"{Group}/{Version}/{Kind}";
}

internal sealed record GroupVersionResource(string? Group, string? Version, string? Resource)
{
    public GroupVersionResource()
        : this(null, null, null)
    {
    }
}

internal sealed class AdmissionResponse
{
    public const string JsonPatchType = "JSONPatch";

    public string Uid { get; set; } = "";

    public bool Allowed { get; set; }

    public ApiStatus? Status { get; set; }

    /// <summary>The RFC 6902 patch; serialized base64 as the API expects.</summary>
    public byte[]? Patch { get; set; }

    public string? PatchType { get; set; }

    public List<string>? Warnings { get; set; }

    public static AdmissionResponse Allow(string uid, IReadOnlyCollection<string>? warnings = null) => new()
    {
        Uid = uid,
        Allowed = true,
        Warnings = warnings is { Count: > 0 } ? [.. warnings] : null,
    };

    public static AdmissionResponse AllowWithPatch(string uid, byte[] patch, IReadOnlyCollection<string>? warnings) => new()
    {
        Uid = uid,
        Allowed = true,
        Patch = patch,
        PatchType = JsonPatchType,
        Warnings = warnings is { Count: > 0 } ? [.. warnings] : null,
    };

    /// <summary>A denial: HTTP 200 with <c>allowed: false</c>; the API server returns the status to the client.</summary>
    public static AdmissionResponse Deny(string uid, ApiStatus status, IReadOnlyCollection<string>? warnings = null) => new()
    {
        Uid = uid,
        Allowed = false,
        Status = status,
        Warnings = warnings is { Count: > 0 } ? [.. warnings] : null,
    };
}

/// <summary>meta/v1 Status, as returned inside a denial or a failed conversion.</summary>
internal sealed class ApiStatus
{
    public const string Failure = "Failure";
    public const string Success = "Success";
    public const string ReasonInvalid = "Invalid";
    public const string ReasonBadRequest = "BadRequest";

    [JsonPropertyName("metadata")]
    public Dictionary<string, string> Metadata { get; set; } = [];

    [JsonPropertyName("status")]
    public string? State { get; set; }

    public string? Message { get; set; }

    public string? Reason { get; set; }

    public StatusDetails? Details { get; set; }

    public int? Code { get; set; }

    public static ApiStatus Succeeded() => new() { State = Success };

    public static ApiStatus Failed(string message) => new() { State = Failure, Message = message };

    /// <summary>422 Invalid with one cause per field error: what the API server itself answers for a bad object.</summary>
    public static ApiStatus Invalid(string message, StatusDetails details) =>
        new() { State = Failure, Code = 422, Reason = ReasonInvalid, Message = message, Details = details };

    /// <summary>503: the webhook cannot judge now (its config fails closed); the message says why and what to do.</summary>
    public static ApiStatus Unavailable(string message) =>
        new() { State = Failure, Code = 503, Reason = "ServiceUnavailable", Message = message };

    /// <summary>400: the request itself cannot be handled (wrong kind, unreadable object).</summary>
    public static ApiStatus BadRequest(string message) =>
        new() { State = Failure, Code = 400, Reason = ReasonBadRequest, Message = message };
}

internal sealed class StatusDetails
{
    public string? Name { get; set; }

    public string? Group { get; set; }

    public string? Kind { get; set; }

    public List<StatusCause>? Causes { get; set; }
}

internal sealed record StatusCause(string Reason, string Message, string Field);
