using System.Text;
using System.Text.Json.Nodes;

namespace TaskRun.WebhookLoad;

/// <summary>The request bodies: reviews as kube-apiserver 1.20 sends them (see tests/TaskRun.Testing/Fixtures).</summary>
internal sealed record Payload(string Name, byte[] Mutate, byte[] Validate, byte[] Convert, int ObjectBytes);

internal static class Payloads
{
    /// <summary>Three files of 2,400 bytes (JSON escapes make them ~3.3 KB each): an AdmissionReview of about 11 KB.</summary>
    public static Payload Typical() => Build("typical (3 files, ~11 KB review)", [2_400, 2_400, 2_400]);

    /// <summary>A 1 MiB-class file (1,000,000 bytes: under limits.maxFileBytes and the ConfigMap budget) and two small ones.</summary>
    public static Payload Large() => Build("large (1 MB file)", [1_000_000, 2_000, 2_000]);

    private static Payload Build(string name, int[] fileSizes)
    {
        string[] names = ["task.md", "design-spec.md", "prompt.md"];
        var v2Files = new JsonArray();
        var v1Files = new JsonArray();
        for (var i = 0; i < fileSizes.Length; i++)
        {
            var content = Markdown(fileSizes[i], i);
            v2Files.Add(new JsonObject { ["name"] = names[i], ["content"] = content });
            v1Files.Add(new JsonObject { ["filename"] = names[i], ["content"] = content });
        }

        // As the user wrote it: no labels, priority or attempt yet, so the mutating webhook has work to do.
        var raw = TaskRun("orchestrator.io/v2", new JsonObject { ["taskId"] = 1001, ["serviceName"] = "auth-service", ["files"] = v2Files }, labels: null);
        // As the validating webhook sees it: after defaulting.
        var defaulted = TaskRun("orchestrator.io/v2",
            new JsonObject
            {
                ["taskId"] = 1001, ["serviceName"] = "auth-service", ["priority"] = "medium",
                ["files"] = v2Files.DeepClone(), ["retry"] = new JsonObject { ["attempt"] = 1 },
            },
            labels: new JsonObject { ["task-id"] = "1001", ["service"] = "auth-service", ["priority"] = "medium" });
        var v1 = TaskRun("orchestrator.io/v1",
            new JsonObject { ["taskId"] = 1001, ["serviceName"] = "auth-service", ["priority"] = "medium", ["markdownFiles"] = v1Files, ["retryAttempt"] = 1 },
            labels: new JsonObject { ["task-id"] = "1001", ["service"] = "auth-service", ["priority"] = "medium" });

        return new Payload(name, Admission(raw), Admission(defaulted), Conversion(v1), Encoding.UTF8.GetByteCount(raw.ToJsonString()));
    }

    private static JsonObject TaskRun(string apiVersion, JsonObject spec, JsonObject? labels)
    {
        var metadata = new JsonObject
        {
            ["name"] = "auth-service-task-1001",
            ["namespace"] = "team-a",
            ["uid"] = "d2c62909-1d57-44c5-8d13-d0a99fe7171d",
            ["creationTimestamp"] = null,
            ["managedFields"] = JsonNode.Parse(
                """[{"apiVersion":"orchestrator.io/v1","fieldsType":"FieldsV1","fieldsV1":{"f:spec":{".":{},"f:markdownFiles":{},"f:serviceName":{},"f:taskId":{}}},"manager":"kubectl","operation":"Apply","time":"2026-11-26T11:28:43Z"}]"""),
        };
        if (labels is not null)
        {
            metadata["labels"] = labels;
        }

        return new JsonObject { ["apiVersion"] = apiVersion, ["kind"] = "TaskRun", ["metadata"] = metadata, ["spec"] = spec };
    }

    private static byte[] Admission(JsonObject obj) => Encoding.UTF8.GetBytes(new JsonObject
    {
        ["kind"] = "AdmissionReview",
        ["apiVersion"] = "admission.k8s.io/v1",
        ["request"] = new JsonObject
        {
            ["uid"] = "9da03626-76a0-48c7-9790-df78c65f588c",
            ["kind"] = new JsonObject { ["group"] = "orchestrator.io", ["version"] = "v2", ["kind"] = "TaskRun" },
            ["resource"] = new JsonObject { ["group"] = "orchestrator.io", ["version"] = "v2", ["resource"] = "taskruns" },
            ["requestKind"] = new JsonObject { ["group"] = "orchestrator.io", ["version"] = "v1", ["kind"] = "TaskRun" },
            ["requestResource"] = new JsonObject { ["group"] = "orchestrator.io", ["version"] = "v1", ["resource"] = "taskruns" },
            ["name"] = "auth-service-task-1001",
            ["namespace"] = "team-a",
            ["operation"] = "CREATE",
            ["userInfo"] = new JsonObject { ["username"] = "admin", ["uid"] = "admin", ["groups"] = new JsonArray("system:masters", "system:authenticated") },
            ["object"] = obj.DeepClone(),
            ["oldObject"] = null,
            ["dryRun"] = false,
            ["options"] = new JsonObject { ["kind"] = "CreateOptions", ["apiVersion"] = "meta.k8s.io/v1", ["fieldManager"] = "kubectl" },
        },
    }.ToJsonString());

    private static byte[] Conversion(JsonObject v1) => Encoding.UTF8.GetBytes(new JsonObject
    {
        ["kind"] = "ConversionReview",
        ["apiVersion"] = "apiextensions.k8s.io/v1",
        ["request"] = new JsonObject
        {
            ["uid"] = "b94fde3f-aa8d-4936-a0e0-7b6325af69e7",
            ["desiredAPIVersion"] = "orchestrator.io/v2",
            ["objects"] = new JsonArray(v1.DeepClone()),
        },
    }.ToJsonString());

    /// <summary>Markdown of exactly <paramref name="bytes"/> ASCII bytes, with the characters JSON and Go escape.</summary>
    private static string Markdown(int bytes, int seed)
    {
        var text = new StringBuilder(bytes + 100);
        text.Append("# Task ").Append(seed).Append('\n');
        for (var line = 0; text.Length < bytes; line++)
        {
            text.Append("- Step ").Append(line).Append(": implement the \"token\" endpoint <POST /token> & test it; see `auth.go`.\n");
        }

        return text.ToString(0, bytes);
    }
}
