using System.Text.Json.Nodes;
using TaskRun.Core.Config;
using TaskRun.Testing;

namespace TaskRun.Webhook.Tests.Integration;

/// <summary>TaskRun manifests for kubectl: the repository's samples, and JSON objects built from them.</summary>
internal static class Manifests
{
    public const string V1Resource = "taskruns.v1.orchestrator.io";
    public const string V2Resource = "taskruns.v2.orchestrator.io";
    public const string SampleName = "auth-service-task-1001";

    /// <summary>deploy/samples/&lt;file&gt; as shipped: it names no namespace, so a user applies it with <c>-n</c>.</summary>
    public static string Sample(string file) => File.ReadAllText(RepositoryPaths.InRoot("deploy", "samples", file));

    /// <summary>A sample as JSON (read with the same YAML typing the config parser uses), placed in <paramref name="ns"/>.</summary>
    public static JsonObject SampleJson(string file, string ns)
    {
        var sample = YamlToJson.Parse(Sample(file))!.AsObject();
        sample["metadata"]!["namespace"] = ns;
        return sample;
    }

    /// <summary>The seed's v1 example with everything the webhook defaults left out: no labels, priority, types or attempt.</summary>
    public static JsonObject MinimalV1(string ns, string name = "minimal")
    {
        var taskRun = SampleJson("taskrun-v1.yaml", ns);
        var metadata = taskRun["metadata"]!.AsObject();
        metadata["name"] = name;
        metadata.Remove("labels");
        var spec = taskRun["spec"]!.AsObject();
        spec.Remove("priority");
        spec.Remove("retryAttempt");
        foreach (var file in spec["markdownFiles"]!.AsArray())
        {
            file!.AsObject().Remove("fileType");
        }

        return taskRun;
    }

    /// <summary>A valid v2 TaskRun as a user writes it.</summary>
    public static JsonObject ValidV2(string ns, string name) => new()
    {
        ["apiVersion"] = "orchestrator.io/v2",
        ["kind"] = "TaskRun",
        ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = ns },
        ["spec"] = new JsonObject
        {
            ["taskId"] = 42,
            ["serviceName"] = "billing",
            ["files"] = new JsonArray(
                new JsonObject { ["name"] = "task.md", ["type"] = "task", ["content"] = "# Task" },
                new JsonObject { ["name"] = "prompt.md", ["type"] = "prompt", ["content"] = "# Prompt" }),
            ["retry"] = new JsonObject { ["attempt"] = 1 },
        },
    };

    /// <summary>The same TaskRun in v1.</summary>
    public static JsonObject ValidV1(string ns, string name) => new()
    {
        ["apiVersion"] = "orchestrator.io/v1",
        ["kind"] = "TaskRun",
        ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = ns },
        ["spec"] = new JsonObject
        {
            ["taskId"] = 42,
            ["serviceName"] = "billing",
            ["markdownFiles"] = new JsonArray(
                new JsonObject { ["filename"] = "task.md", ["fileType"] = "task", ["content"] = "# Task" },
                new JsonObject { ["filename"] = "prompt.md", ["fileType"] = "prompt", ["content"] = "# Prompt" }),
            ["retryAttempt"] = 1,
        },
    };
}
