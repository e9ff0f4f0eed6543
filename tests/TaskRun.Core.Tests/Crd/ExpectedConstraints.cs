using System.Text.Json.Nodes;
using TaskRun.Core.Api;

namespace TaskRun.Core.Tests.Crd;

/// <summary>
/// The value validations each CRD version must state, built from the constants the validator uses
/// (SpecLimits, Priorities, FileTypes, Phases), so changing a limit in C# without the CRD fails a test.
/// </summary>
internal static class ExpectedConstraints
{
    /// <summary>Kubernetes' resource.Quantity pattern, as the built-in types' OpenAPI schemas state it.</summary>
    public const string QuantityPattern =
        @"^(\+|-)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE](\+|-)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))))?$";

    /// <summary>metav1.ConditionStatus; KubernetesClient has no constants for it.</summary>
    public static IReadOnlyList<string> ConditionStatuses { get; } = ["True", "False", "Unknown"];

    /// <summary>The validator requires at least one file (there is no constant: zero files is simply invalid).</summary>
    private const long MinFiles = 1;

    public static IReadOnlyList<SchemaConstraint> For(string version) => version switch
    {
        TaskRunApi.V1 => [.. V1Spec(), .. Status()],
        TaskRunApi.V2 => [.. V2Spec(), .. Status()],
        _ => throw new ArgumentOutOfRangeException(nameof(version), version, "not a TaskRun version"),
    };

    private static IEnumerable<SchemaConstraint> V1Spec() =>
    [
        .. Identity(),
        new("spec.markdownFiles", "minItems", MinFiles),
        new("spec.markdownFiles[].filename", "maxLength", SpecLimits.MaxFileNameLength),
        new("spec.markdownFiles[].filename", "pattern", SpecLimits.FileNamePattern),
        Enum("spec.markdownFiles[].fileType", FileTypes.All),
        new("spec.retryAttempt", "minimum", SpecLimits.MinAttempt),
        new("spec.retryAttempt", "maximum", SpecLimits.MaxAttempt),
    ];

    private static IEnumerable<SchemaConstraint> V2Spec() =>
    [
        .. Identity(),
        new("spec.files", "minItems", MinFiles),
        new("spec.files[].name", "maxLength", SpecLimits.MaxFileNameLength),
        new("spec.files[].name", "pattern", SpecLimits.FileNamePattern),
        Enum("spec.files[].type", FileTypes.All),
        new("spec.retry.attempt", "minimum", SpecLimits.MinAttempt),
        new("spec.retry.attempt", "maximum", SpecLimits.MaxAttempt),
        new("spec.retry.maxRetries", "minimum", SpecLimits.MinMaxRetries),
        new("spec.retry.maxRetries", "maximum", SpecLimits.MaxMaxRetries),
        new("spec.timeoutSeconds", "minimum", SpecLimits.MinTimeoutSeconds),
        new("spec.timeoutSeconds", "maximum", SpecLimits.MaxTimeoutSeconds),
        new("spec.agent.maxTurns", "minimum", SpecLimits.MinMaxTurns),
        new("spec.agent.maxTurns", "maximum", SpecLimits.MaxMaxTurns),
        new("spec.agent.resources.limits{}", "pattern", QuantityPattern),
        new("spec.agent.resources.requests{}", "pattern", QuantityPattern),
        new("spec.dependsOn", "maxItems", SpecLimits.MaxDependencies),
        new("spec.dependsOn[]", "maxLength", SpecLimits.MaxTaskRunNameLength),
        new("spec.dependsOn[]", "pattern", SpecLimits.TaskRunNamePattern),
    ];

    /// <summary>The fields both versions share in their spec.</summary>
    private static IEnumerable<SchemaConstraint> Identity() =>
    [
        new("spec.taskId", "minimum", SpecLimits.MinTaskId),
        new("spec.serviceName", "maxLength", SpecLimits.MaxServiceNameLength),
        new("spec.serviceName", "pattern", SpecLimits.ServiceNamePattern),
        Enum("spec.priority", Priorities.All),
    ];

    private static IEnumerable<SchemaConstraint> Status() =>
    [
        Enum("status.phase", Phases.All),
        Enum("status.conditions[].status", ConditionStatuses),
        new("status.notifications", "maxItems", SpecLimits.MaxPendingNotifications),
    ];

    private static SchemaConstraint Enum(string path, IEnumerable<string> values) =>
        new(path, "enum", new JsonArray([.. values.Select(v => JsonValue.Create(v))]));
}
