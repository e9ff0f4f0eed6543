namespace TaskRun.Core.Tests.Crd;

/// <summary>
/// What the CRD schema must say about one field, derived from the C# types. <see cref="Source"/> names the
/// C# member it comes from, for drift messages.
/// </summary>
internal abstract record FieldShape(string Source);

/// <summary>A string, integer or boolean, with the OpenAPI format it serializes as (int64, date-time, ...).</summary>
internal sealed record ScalarShape(string Source, string Type, string? Format) : FieldShape(Source);

/// <summary>An object with named fields; <see cref="Required"/> are the JSON names of its [Required] ones.</summary>
internal sealed record ObjectShape(string Source, IReadOnlyDictionary<string, FieldShape> Properties, IReadOnlyList<string> Required)
    : FieldShape(Source);

internal sealed record ArrayShape(string Source, FieldShape Items) : FieldShape(Source);

/// <summary>A map of resource names to quantities (int-or-string values), as in resources.limits.</summary>
internal sealed record QuantityMapShape(string Source) : FieldShape(Source);

/// <summary>An object whose schema the API server owns (metadata): the CRD may only say <c>type: object</c>.</summary>
internal sealed record OpaqueObjectShape(string Source) : FieldShape(Source);
