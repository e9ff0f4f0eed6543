using System.Text.Json;
using System.Text.Json.Nodes;
using TaskRun.Webhook.Admission;
using TaskRun.Webhook.Conversion;
using TaskRun.Webhook.Hosting;
using TaskRun.Testing;
using Xunit;

namespace TaskRun.Webhook.Tests.Support;

/// <summary>Golden reviews captured from kube-apiserver 1.20 (Fixtures/) and reviews built from objects.</summary>
internal static class Reviews
{
    public static string FixtureText(string name) => ReviewFixtures.Text(name);

    /// <summary>The AdmissionReviews for TaskRuns captured from kube-apiserver, by file name.</summary>
    public static TheoryData<string> AdmissionFixtureNames { get; } =
        ["mutate-create-dry-run-v2.json", "mutate-create-from-v1.json", "mutate-update-patch.json", "validate-create-from-v1.json", "validate-update-patch.json"];

    /// <summary>A fixture read the way the endpoint reads a body (the objects stay elements of the parsed body).</summary>
    public static AdmissionRequest AdmissionFixture(string name) =>
        ReviewParser.ReadAdmission(JsonElement.Parse(FixtureText(name))).Request!;

    public static ConversionRequest ConversionFixture(string name) =>
        ReviewParser.ReadConversion(new System.Buffers.ReadOnlySequence<byte>(System.Text.Encoding.UTF8.GetBytes(FixtureText(name)))).Request!;

    /// <summary>An AdmissionRequest for a v2 TaskRun as the API server would send it.</summary>
    public static AdmissionRequest TaskRunRequest(string operation, JsonNode? obj, JsonNode? oldObject = null, bool dryRun = false) => new()
    {
        Uid = Guid.NewGuid().ToString(),
        Kind = new GroupVersionKind("orchestrator.io", "v2", "TaskRun"),
        Resource = new GroupVersionResource("orchestrator.io", "v2", "taskruns"),
        RequestKind = new GroupVersionKind("orchestrator.io", "v2", "TaskRun"),
        Operation = operation,
        Name = (string?)obj?["metadata"]?["name"],
        Namespace = (string?)obj?["metadata"]?["namespace"],
        Object = obj is null ? null : JsonSerializer.SerializeToElement(obj),
        OldObject = oldObject is null ? null : JsonSerializer.SerializeToElement(oldObject),
        DryRun = dryRun,
    };

    public static AdmissionRequest ConfigMapRequest(string operation, string ns, string name, IDictionary<string, string>? data) => new()
    {
        Uid = Guid.NewGuid().ToString(),
        Kind = new GroupVersionKind("", "v1", "ConfigMap"),
        Resource = new GroupVersionResource("", "v1", "configmaps"),
        Operation = operation,
        Name = name,
        Namespace = ns,
        Object = JsonSerializer.SerializeToElement(new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "ConfigMap",
            ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = ns },
            ["data"] = data is null ? null : new JsonObject(data.Select(kv => KeyValuePair.Create(kv.Key, (JsonNode?)JsonValue.Create(kv.Value)))),
        }),
    };

    /// <summary>A valid v2 TaskRun as JSON, as a user might write it (no defaults filled in).</summary>
    public static JsonObject MinimalTaskRun(string name = "auth-service-task-1001", string ns = "team-a") => new()
    {
        ["apiVersion"] = "orchestrator.io/v2",
        ["kind"] = "TaskRun",
        ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = ns },
        ["spec"] = new JsonObject
        {
            ["taskId"] = 1001,
            ["serviceName"] = "auth-service",
            ["files"] = new JsonArray(
                new JsonObject { ["name"] = "task.md", ["content"] = "# Task" },
                new JsonObject { ["name"] = "notes.md", ["content"] = "notes", ["type"] = "context" }),
        },
    };

    public static JsonObject Parse(string json) => JsonNode.Parse(json)!.AsObject();

    /// <summary>The repository's sample, as YAML text.</summary>
    public static string Sample(string file) => File.ReadAllText(RepositoryPaths.InRoot("deploy", "samples", file));
}
