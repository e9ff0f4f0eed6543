using System.Text.Json.Nodes;
using CsCheck;
using TaskRun.Core.Api;
using static TaskRun.Core.Tests.Support.JsonGen;

namespace TaskRun.Core.Tests.Support;

/// <summary>
/// Random TaskRuns in their JSON form, as the API server hands them to the conversion webhook: full metadata,
/// any spec field possibly absent, unicode content, a status with conditions. Keys come either in declaration
/// order or sorted (what the API server sends), and values are re-parsed from text as a webhook would read them.
/// </summary>
internal static class TaskRunJsonGen
{
    private static readonly Gen<string> LabelKey = Gen.OneOf("app", "team", TaskRunLabels.TaskId, TaskRunLabels.Service, TaskRunLabels.Priority, "orchestrator.io/owner", "x");

    private static readonly Gen<string> AnnotationKey = Gen.OneOf(
        "kubectl.kubernetes.io/last-applied-configuration", "note", "orchestrator.io/comment", "argocd.argoproj.io/sync-wave", "a");

    private static readonly Gen<JsonNode?> Metadata = Object(
        Required("name", Str(DnsLabel)),
        Field("namespace", Str(DnsLabel)),
        Field("labels", StringMap(LabelKey, DnsLabel, 1, 5)),
        // An empty annotations map is dropped by Kubernetes; the converter treats it like an absent one.
        Field("annotations", StringMap(AnnotationKey, UnicodeText, 1, 4)),
        Field("uid", Gen.Guid.Select(g => (JsonNode?)g.ToString())),
        Field("resourceVersion", Str(Gen.Long[1, 10_000_000_000].Select(v => v.ToString(System.Globalization.CultureInfo.InvariantCulture)))),
        Field("generation", Long(Gen.Long[1, long.MaxValue])),
        Field("creationTimestamp", Str(RfcTime)),
        Field("finalizers", Array(Str(Gen.OneOf(TaskRunApi.Finalizer, "example.com/other")), 1, 2)),
        Field("managedFields", Array(Object(
            Required("manager", Str(Gen.OneOf("kubectl-client-side-apply", "taskrun-controller"))),
            Required("operation", Str(Gen.OneOf("Update", "Apply"))),
            Field("apiVersion", Str(Gen.OneOf(TaskRunApi.V1ApiVersion, TaskRunApi.V2ApiVersion))),
            Field("time", Str(RfcTime)),
            Field("fieldsType", Str(Gen.Const("FieldsV1"))),
            Field("fieldsV1", Object(Field("f:spec", Object(Field("f:taskId", Object())))))), 1, 2), 1, 3));

    private static readonly Gen<JsonNode?> Condition = Object(
        Required("type", Str(Gen.OneOf(ConditionTypes.ConfigMapReady, ConditionTypes.JobCreated, ConditionTypes.Succeeded))),
        Required("status", Str(Gen.OneOf("True", "False", "Unknown"))),
        Field("reason", Str(Gen.OneOf(ConditionReasons.Running, ConditionReasons.Failed, ConditionReasons.RetryScheduled))),
        Field("message", Str(UnicodeText)),
        Field("lastTransitionTime", Str(RfcTime)),
        Field("observedGeneration", Long(Gen.Long[0, 1000])));

    private static readonly Gen<JsonNode?> Status = Object(
        Field("phase", Str(Gen.OneOf(Phases.All.ToArray()))),
        Field("conditions", Array(Condition, 0, 3)),
        Field("configMapName", Str(DnsLabel)),
        Field("jobName", Str(DnsLabel)),
        Field("attempt", Int(Gen.Int[1, 50])),
        Field("startTime", Str(RfcTime)),
        Field("completionTime", Str(RfcTime)),
        Field("message", Str(UnicodeText)),
        Field("observedGeneration", Long(Gen.Long[0, 1000])),
        Field("observedRetryAttempt", Int(Gen.Int[1, 50])),
        Field("retryCount", Int(Gen.Int[0, 10])),
        Field("nextRetryTime", Str(RfcTime)));

    private static readonly Gen<string> FileName = Gen.OneOf(
        Gen.OneOf("task.md", "design-spec.md", "prompt.md", "acceptance-criteria.md", "notes.md"),
        DnsLabel.Select(s => s + ".md"),
        UnicodeText);

    private static readonly Gen<JsonNode?> TaskId = Long(Gen.Long[-3, long.MaxValue]);
    private static readonly Gen<JsonNode?> ServiceName = Str(Gen.OneOf(DnsLabel, UnicodeText));
    private static readonly Gen<JsonNode?> Priority = Str(Gen.OneOf(Gen.OneOf(Priorities.All.ToArray()), UnicodeText));
    private static readonly Gen<JsonNode?> FileType = Str(Gen.OneOf(Gen.OneOf(FileTypes.All.ToArray()), UnicodeText));
    private static readonly Gen<JsonNode?> Attempt = Int(Gen.Int[-2, int.MaxValue]);

    private static readonly Gen<JsonNode?> Quantities = StringMap(Gen.OneOf("cpu", "memory", "nvidia.com/gpu"), Gen.OneOf("1", "500m", "2Gi", "0.5"), 1, 3);

    private static readonly Gen<JsonNode?> V2Spec = Object(
        Field("taskId", TaskId),
        Field("serviceName", ServiceName),
        Field("priority", Priority),
        Field("files", Array(Object(Field("name", Str(FileName)), Field("type", FileType), Field("content", Str(UnicodeText))), 0, 4)),
        Field("retry", Object(Field("attempt", Attempt), Field("maxRetries", Int(Gen.Int[-1, 12]))), 1, 1),
        Field("timeoutSeconds", Int(Gen.Int[0, 700_000]), 1, 1),
        Field("agent", Object(
            Field("image", Str(Gen.OneOf(Gen.Const("ghcr.io/5dlabs/platform/claude-code:latest"), UnicodeText))),
            Field("resources", Object(Field("requests", Quantities), Field("limits", Quantities)))), 1, 2),
        Field("cancel", Bool(), 1, 2),
        Field("dependsOn", Array(Str(Gen.OneOf(DnsLabel, UnicodeText)), 0, 3), 1, 2));

    private static readonly Gen<JsonNode?> V1Spec = Object(
        Field("taskId", TaskId),
        Field("serviceName", ServiceName),
        Field("priority", Priority),
        Field("markdownFiles", Array(Object(Field("filename", Str(FileName)), Field("content", Str(UnicodeText)), Field("fileType", FileType)), 0, 4)),
        Field("retryAttempt", Attempt));

    /// <summary>A v2 (hub) TaskRun without the conversion annotation (the validator forbids it on v2).</summary>
    public static readonly Gen<JsonObject> V2 = TaskRun(TaskRunApi.V2ApiVersion, V2Spec);

    /// <summary>A v1 TaskRun as a v1 client writes it: no conversion annotation.</summary>
    public static readonly Gen<JsonObject> PlainV1 = TaskRun(TaskRunApi.V1ApiVersion, V1Spec);

    private static Gen<JsonObject> TaskRun(string apiVersion, Gen<JsonNode?> spec) =>
        Gen.Select(
                Object(
                    Required("apiVersion", Gen.Const(0).Select(_ => (JsonNode?)JsonValue.Create(apiVersion))),
                    Required("kind", Gen.Const(0).Select(_ => (JsonNode?)JsonValue.Create(TaskRunApi.Kind))),
                    Required("metadata", Metadata),
                    Field("spec", spec, 9, 1),
                    Field("status", Status, 1, 1)),
                Gen.Bool)
            .Select((obj, sorted) => (JsonObject)JsonNode.Parse((sorted ? SortKeys(obj) : obj)!.ToJsonString())!);
}
