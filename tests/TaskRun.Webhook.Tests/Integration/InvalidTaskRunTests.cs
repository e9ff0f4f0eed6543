using System.Text.Json.Nodes;
using TaskRun.Testing;
using Xunit;
using static TaskRun.Webhook.Tests.Integration.Manifests;

namespace TaskRun.Webhook.Tests.Integration;

/// <summary>
/// Every validation rule, broken once, sent as v1 and as v2 through the real API server: refused with a message
/// that names the field (as the user wrote it) and the limit; <c>--dry-run=server</c> gives the same answer;
/// nothing is stored. Rules the CRD schema can state are refused by the API server's schema check; the others
/// by this webhook (for v1, after the API server converted the request to v2).
/// </summary>
[Collection(WebhookTests.Name)]
public sealed class InvalidTaskRunTests(WebhookFixture fixture)
{
    private const string Name = "invalid";
    private const string V2SpecAnnotation = "metadata.annotations[orchestrator.io/v2-spec]";

    /// <summary>One broken rule: how to break a v2 and a v1 manifest, the field each names, and what the message must say.</summary>
    private sealed record Rule(
        Action<JsonObject> BreakV2,
        Action<JsonObject> BreakV1,
        string V2Field,
        string V1Field,
        string[] V2Says,
        string[]? V1Says = null,
        bool Big = false);

    private static readonly Dictionary<string, Rule> Rules = new()
    {
        ["taskId at least 1"] = new(
            t => Spec(t)["taskId"] = 0, t => Spec(t)["taskId"] = 0,
            "spec.taskId", "spec.taskId", ["greater than or equal to 1"]),
        ["taskId required"] = new(
            t => Spec(t).Remove("taskId"), t => Spec(t).Remove("taskId"),
            "spec.taskId", "spec.taskId", ["Required value"]),
        ["serviceName a DNS-1123 label"] = new(
            t => Spec(t)["serviceName"] = "Billing_Service", t => Spec(t)["serviceName"] = "Billing_Service",
            "spec.serviceName", "spec.serviceName", ["^[a-z0-9]([-a-z0-9]*[a-z0-9])?$"]),
        ["serviceName at most 63 characters"] = new(
            t => Spec(t)["serviceName"] = new string('a', 64), t => Spec(t)["serviceName"] = new string('a', 64),
            "spec.serviceName", "spec.serviceName", ["63"]),
        ["serviceName required"] = new(
            t => Spec(t).Remove("serviceName"), t => Spec(t).Remove("serviceName"),
            "spec.serviceName", "spec.serviceName", ["Required value"]),
        ["priority in the enum"] = new(
            t => Spec(t)["priority"] = "urgent", t => Spec(t)["priority"] = "urgent",
            "spec.priority", "spec.priority", ["\"urgent\"", "\"low\", \"medium\", \"high\", \"critical\""]),
        ["at least one file"] = new(
            t => Spec(t)["files"] = new JsonArray(), t => Spec(t)["markdownFiles"] = new JsonArray(),
            "spec.files", "spec.markdownFiles", ["at least 1 items"]),
        ["file name pattern"] = new(
            t => File(t, 0, "v2")["name"] = "../etc/passwd.md", t => File(t, 0, "v1")["filename"] = "../etc/passwd.md",
            SchemaItem("spec.files", "name"), SchemaItem("spec.markdownFiles", "filename"), ["\\.md$"]),
        ["file name without '..'"] = new(
            t => File(t, 0, "v2")["name"] = "a..b.md", t => File(t, 0, "v1")["filename"] = "a..b.md",
            "spec.files[0].name", "spec.markdownFiles[0].filename", ["no '/' or '..'"]),
        ["file name not reserved"] = new(
            t => File(t, 1, "v2")["name"] = "CLAUDE.md", t => File(t, 1, "v1")["filename"] = "CLAUDE.md",
            "spec.files[1].name", "spec.markdownFiles[1].filename", ["\"CLAUDE.md\" is reserved", "CLAUDE.md and metadata.yaml"]),
        ["file name at most 253 characters"] = new(
            t => File(t, 0, "v2")["name"] = new string('a', 251) + ".md", t => File(t, 0, "v1")["filename"] = new string('a', 251) + ".md",
            SchemaItem("spec.files", "name"), SchemaItem("spec.markdownFiles", "filename"), ["253"]),
        ["file names unique"] = new(
            t => File(t, 1, "v2")["name"] = "task.md", t => File(t, 1, "v1")["filename"] = "task.md",
            "spec.files[1].name", "spec.markdownFiles[1].filename", ["\"task.md\" is already used by spec.files[0]"],
            ["\"task.md\" is already used by spec.markdownFiles[0]"]),
        ["file type in the enum"] = new(
            t => File(t, 0, "v2")["type"] = "binary", t => File(t, 0, "v1")["fileType"] = "binary",
            SchemaItem("spec.files", "type"), SchemaItem("spec.markdownFiles", "fileType"), ["\"binary\"", "\"acceptance-criteria\""]),
        ["file content required"] = new(
            t => File(t, 0, "v2").Remove("content"), t => File(t, 0, "v1").Remove("content"),
            SchemaItem("spec.files", "content"), SchemaItem("spec.markdownFiles", "content"), ["Required value"]),
        ["file at most limits.maxFileBytes"] = new(
            t => File(t, 0, "v2")["content"] = new string('x', 1_048_577), t => File(t, 0, "v1")["content"] = new string('x', 1_048_577),
            "spec.files[0].content", "spec.markdownFiles[0].content",
            ["1,048,577 bytes", "limit of 1,048,576 bytes (limits.maxFileBytes)", "over", "by 1 byte"], Big: true),
        ["run ConfigMap within 1 MiB"] = new(
            t => { File(t, 0, "v2")["content"] = new string('x', 600_000); File(t, 1, "v2")["content"] = new string('y', 600_000); },
            t => { File(t, 0, "v1")["content"] = new string('x', 600_000); File(t, 1, "v1")["content"] = new string('y', 600_000); },
            "spec.files", "spec.markdownFiles", ["Kubernetes ConfigMap limit of 1,048,576 bytes", "over"], Big: true),
        ["retry.attempt at least 1"] = new(
            t => Spec(t)["retry"] = new JsonObject { ["attempt"] = 0 }, t => Spec(t)["retryAttempt"] = 0,
            "spec.retry.attempt", "spec.retryAttempt", ["greater than or equal to 1"]),
        ["maxRetries at most 10"] = new(
            t => Spec(t)["retry"] = new JsonObject { ["attempt"] = 1, ["maxRetries"] = 11 }, t => CarryV2Only(t, """{"retry":{"maxRetries":11}}"""),
            "spec.retry.maxRetries", $"{V2SpecAnnotation}.retry.maxRetries", ["less than or equal to 10"], ["retry.maxRetries is 11", "between 0 and 10"]),
        ["timeoutSeconds at least 60"] = new(
            t => Spec(t)["timeoutSeconds"] = 59, t => CarryV2Only(t, """{"timeoutSeconds":59}"""),
            "spec.timeoutSeconds", $"{V2SpecAnnotation}.timeoutSeconds", ["greater than or equal to 60"], ["timeoutSeconds is 59", "between 60 (1 minute) and 604800 (7 days)"]),
        ["timeoutSeconds at most 7 days"] = new(
            t => Spec(t)["timeoutSeconds"] = 604_801, t => CarryV2Only(t, """{"timeoutSeconds":604801}"""),
            "spec.timeoutSeconds", $"{V2SpecAnnotation}.timeoutSeconds", ["less than or equal to 604800"], ["timeoutSeconds is 604801", "604800 (7 days)"]),
        ["agent overrides off by default"] = new(
            t => Spec(t)["agent"] = new JsonObject { ["image"] = "not an image" }, t => CarryV2Only(t, """{"agent":{"image":"not an image"}}"""),
            "spec.agent", $"{V2SpecAnnotation}.agent", ["agent.allowOverrides: false"]),
        ["agent resource quantities"] = new(
            t => Spec(t)["agent"] = new JsonObject { ["resources"] = new JsonObject { ["limits"] = new JsonObject { ["memory"] = "lots" } } },
            t => CarryV2Only(t, """{"agent":{"resources":{"limits":{"memory":"lots"}}}}"""),
            "spec.agent.resources.limits.memory", $"{V2SpecAnnotation}.agent.resources.limits.memory", ["\"lots\""], ["\"lots\" is not a resource quantity"]),
        ["conversion annotation reserved"] = new(
            t => t["metadata"]!["annotations"] = new JsonObject { ["orchestrator.io/v2-spec"] = "{}" },
            t => t["metadata"]!["annotations"] = new JsonObject { ["orchestrator.io/v2-spec"] = "{broken" },
            "metadata.annotations[orchestrator.io/v2-spec]", "orchestrator.io/v2-spec",
            ["reserved for v1↔v2 conversion"], ["is not valid JSON"]),
    };

    public static TheoryData<string, string> Cases()
    {
        var cases = new TheoryData<string, string>();
        foreach (var rule in Rules.Keys)
        {
            cases.Add(rule, "v2");
            cases.Add(rule, "v1");
        }

        return cases;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task An_invalid_TaskRun_is_refused_naming_the_field_and_the_limit_and_a_dry_run_says_the_same(string rule, string version)
    {
        var ns = await fixture.Kubernetes.CreateNamespaceAsync("invalid");
        var broken = Rules[rule];
        var taskRun = version == "v2" ? ValidV2(ns, Name) : ValidV1(ns, Name);
        (version == "v2" ? broken.BreakV2 : broken.BreakV1)(taskRun);
        string[] apply = broken.Big ? ["apply", "--server-side", "--validate=false", "-f", "-"] : ["apply", "--validate=false", "-f", "-"];

        var dryRun = await fixture.KubectlWithInputAsync(taskRun.ToJsonString(), [.. apply, "--dry-run=server"]);
        Assert.False(await fixture.ExistsAsync(V2Resource, ns, Name), "a dry run stored the object");
        var real = await fixture.KubectlWithInputAsync(taskRun.ToJsonString(), apply);

        var field = version == "v2" ? broken.V2Field : broken.V1Field;
        var says = version == "v2" ? broken.V2Says : broken.V1Says ?? broken.V2Says;
        Assert.False(real.Succeeded, $"{rule} ({version}) was accepted:\n{real}");
        var error = ErrorOf(real);
        Assert.Contains(field, error, StringComparison.Ordinal);
        Assert.All(says, fragment => Assert.Contains(fragment, error, StringComparison.Ordinal));
        Assert.False(dryRun.Succeeded, $"{rule} ({version}) passed a dry run:\n{dryRun}");
        Assert.Equal(error, ErrorOf(dryRun));
        Assert.False(await fixture.ExistsAsync(V2Resource, ns, Name), "the invalid object was stored");
    }

    /// <summary>Rules about changes: the object stays as it was, and a dry run says the same.</summary>
    public static TheoryData<string, string> UpdateCases()
    {
        var cases = new TheoryData<string, string>();
        foreach (var rule in new[] { "taskId immutable", "serviceName immutable", "retry attempt never decreases" })
        {
            cases.Add(rule, "v2");
            cases.Add(rule, "v1");
        }

        return cases;
    }

    [Theory]
    [MemberData(nameof(UpdateCases))]
    public async Task An_invalid_change_is_refused_and_the_stored_object_is_left_alone(string rule, string version)
    {
        var ns = await fixture.Kubernetes.CreateNamespaceAsync("update");
        var original = version == "v2" ? ValidV2(ns, Name) : ValidV1(ns, Name);
        SetAttempt(original, version, 3);
        var created = await fixture.KubectlWithInputAsync(original.ToJsonString(), "apply", "-f", "-");
        Assert.True(created.Succeeded, created.ToString());
        var before = await fixture.GetAsync(V2Resource, ns, Name);

        var changed = (JsonObject)original.DeepClone();
        var (field, says) = rule switch
        {
            "taskId immutable" => (Set(changed, "taskId", 43), new[] { "taskId is immutable (it was 42)" }),
            "serviceName immutable" => (Set(changed, "serviceName", "payments"), new[] { "serviceName is immutable (it was \"billing\")" }),
            _ => (SetAttempt(changed, version, 2), new[] { (version == "v2" ? "retry.attempt" : "retryAttempt") + " may not decrease (from 3 to 2)" }),
        };
        var dryRun = await fixture.KubectlWithInputAsync(changed.ToJsonString(), "apply", "--dry-run=server", "-f", "-");
        var real = await fixture.KubectlWithInputAsync(changed.ToJsonString(), "apply", "-f", "-");

        Assert.False(real.Succeeded, real.ToString());
        var error = ErrorOf(real);
        Assert.Contains(field, error, StringComparison.Ordinal);
        Assert.All(says, fragment => Assert.Contains(fragment, error, StringComparison.Ordinal));
        Assert.Equal(error, ErrorOf(dryRun));
        var after = await fixture.GetAsync(V2Resource, ns, Name);
        Assert.Equal((string?)before["metadata"]!["resourceVersion"], (string?)after["metadata"]!["resourceVersion"]);
    }

    /// <summary>kube-apiserver 1.20's schema check names a field of a list item without its index ("spec.files.name").</summary>
    private static string SchemaItem(string list, string field) => $"{list}.{field}";

    /// <summary>The error kubectl prints, without the admission warnings.</summary>
    private static string ErrorOf(CommandResult result) =>
        string.Join("\n", result.StandardError.Split('\n').Where(line => !line.StartsWith("Warning:", StringComparison.Ordinal))).Trim();

    private static JsonObject Spec(JsonObject taskRun) => taskRun["spec"]!.AsObject();

    private static JsonObject File(JsonObject taskRun, int index, string version) =>
        Spec(taskRun)[version == "v2" ? "files" : "markdownFiles"]![index]!.AsObject();

    private static void CarryV2Only(JsonObject taskRun, string v2Spec) =>
        taskRun["metadata"]!["annotations"] = new JsonObject { ["orchestrator.io/v2-spec"] = v2Spec };

    private static string Set(JsonObject taskRun, string field, JsonNode value)
    {
        Spec(taskRun)[field] = value;
        return $"spec.{field}";
    }

    private static string SetAttempt(JsonObject taskRun, string version, int attempt)
    {
        if (version == "v2")
        {
            Spec(taskRun)["retry"] = new JsonObject { ["attempt"] = attempt };
            return "spec.retry.attempt";
        }

        Spec(taskRun)["retryAttempt"] = attempt;
        return "spec.retryAttempt";
    }
}
