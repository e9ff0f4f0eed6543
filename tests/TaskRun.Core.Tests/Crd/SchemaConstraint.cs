using System.Text.Json.Nodes;

namespace TaskRun.Core.Tests.Crd;

/// <summary>One value validation of one field, e.g. <c>spec.retry.maxRetries maximum 10</c>.</summary>
internal sealed record SchemaConstraint(string Path, string Keyword, JsonNode Value)
{
    /// <summary>The OpenAPI keywords that restrict values (as opposed to describing structure).</summary>
    public static IReadOnlyList<string> Keywords { get; } =
    [
        "enum", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf",
        "minLength", "maxLength", "pattern", "minItems", "maxItems", "uniqueItems", "minProperties", "maxProperties",
    ];

    public override string ToString() => $"{Path} {Keyword} {Value.ToJsonString()}";
}
