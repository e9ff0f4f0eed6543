using System.Text.Json.Nodes;
using TaskRun.Testing;
using Xunit;
using static TaskRun.Webhook.Tests.Integration.Manifests;

namespace TaskRun.Webhook.Tests.Integration;

/// <summary>Fields only v2 has survive reads and writes made through v1 (they ride in the orchestrator.io/v2-spec annotation).</summary>
[Collection(WebhookTests.Name)]
public sealed class V2FieldsThroughV1Tests(WebhookFixture fixture) : IAsyncLifetime
{
    /// <summary>Overrides are off by default; these tests carry one, so the org's images are allowed while they run.</summary>
    public async Task InitializeAsync()
    {
        var config = new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "ConfigMap",
            ["metadata"] = new JsonObject { ["name"] = "taskrun-controller-config", ["namespace"] = fixture.ConfigNamespace },
            ["data"] = new JsonObject { ["config.yaml"] = "agent:\n  allowOverrides: true\n  allowedImages: [\"ghcr.io/org/*\"]\n" },
        };
        var applied = await fixture.KubectlWithInputAsync(config.ToJsonString(), "apply", "-f", "-");
        Assert.True(applied.Succeeded, applied.ToString());
        var ns = await fixture.Kubernetes.CreateNamespaceAsync("v2only-config");
        await Eventually.HoldsAsync(
            () => fixture.KubectlWithInputAsync(WithV2OnlyFields(ns, "probe").ToJsonString(), "apply", "--dry-run=server", "-f", "-"),
            r => r.Succeeded, "the config allowing overrides in force", TimeSpan.FromMinutes(1));
    }

    public async Task DisposeAsync() =>
        await fixture.KubectlAsync("delete", "configmap", "taskrun-controller-config", "-n", fixture.ConfigNamespace, "--ignore-not-found");

    private static JsonObject WithV2OnlyFields(string ns, string name)
    {
        var taskRun = ValidV2(ns, name);
        var spec = taskRun["spec"]!.AsObject();
        spec["timeoutSeconds"] = 3600;
        spec["retry"] = new JsonObject { ["attempt"] = 1, ["maxRetries"] = 5 };
        spec["agent"] = new JsonObject { ["image"] = "ghcr.io/org/agent:2", ["resources"] = new JsonObject { ["limits"] = new JsonObject { ["memory"] = "8Gi" } } };
        spec["cancel"] = false;
        spec["dependsOn"] = new JsonArray("api", "schema");
        return taskRun;
    }

    [Fact]
    public async Task A_merge_patch_through_v1_keeps_the_v2_only_fields()
    {
        var ns = await fixture.Kubernetes.CreateNamespaceAsync("v2only");
        var created = await fixture.KubectlWithInputAsync(WithV2OnlyFields(ns, "patched").ToJsonString(), "apply", "-f", "-");
        Assert.True(created.Succeeded, created.ToString());

        var asV1 = await fixture.GetAsync(V1Resource, ns, "patched");
        var carried = JsonNode.Parse((string)asV1["metadata"]!["annotations"]!["orchestrator.io/v2-spec"]!)!;
        SampleApplyTests.AssertJsonEqual(
            JsonNode.Parse("""{"timeoutSeconds":3600,"agent":{"image":"ghcr.io/org/agent:2","resources":{"limits":{"memory":"8Gi"}}},"cancel":false,"dependsOn":["api","schema"],"retry":{"maxRetries":5}}"""),
            carried);
        var patched = await fixture.KubectlAsync("patch", V1Resource, "patched", "-n", ns, "--type=merge", "-p", """{"spec":{"priority":"critical","retryAttempt":2}}""");
        Assert.True(patched.Succeeded, patched.ToString());

        var after = await fixture.GetAsync(V2Resource, ns, "patched");
        var spec = after["spec"]!;
        Assert.Equal(3600, (int?)spec["timeoutSeconds"]);
        Assert.Equal(5, (int?)spec["retry"]!["maxRetries"]);
        Assert.Equal(2, (int?)spec["retry"]!["attempt"]);
        Assert.Equal("critical", (string?)spec["priority"]);
        Assert.Equal(["api", "schema"], spec["dependsOn"]!.AsArray().Select(n => (string?)n));
        Assert.Equal("ghcr.io/org/agent:2", (string?)spec["agent"]!["image"]);
        Assert.Equal("8Gi", (string?)spec["agent"]!["resources"]!["limits"]!["memory"]);
        Assert.Equal("critical", (string?)after["metadata"]!["labels"]!["priority"]);
        Assert.Null(after["metadata"]!["annotations"]?["orchestrator.io/v2-spec"]);
    }

    [Fact]
    public async Task A_replace_of_the_v1_object_read_back_keeps_the_v2_only_fields()
    {
        var ns = await fixture.Kubernetes.CreateNamespaceAsync("v2only");
        var created = await fixture.KubectlWithInputAsync(WithV2OnlyFields(ns, "replaced").ToJsonString(), "create", "-f", "-");
        Assert.True(created.Succeeded, created.ToString());

        // What `kubectl edit` through v1 does: read v1, change a field, write the whole object back.
        var asV1 = await fixture.GetAsync(V1Resource, ns, "replaced");
        asV1["spec"]!["markdownFiles"]!.AsArray().Add(new JsonObject { ["filename"] = "context.md", ["content"] = "more context" });
        var replaced = await fixture.KubectlWithInputAsync(asV1.ToJsonString(), "replace", "-f", "-");
        Assert.True(replaced.Succeeded, replaced.ToString());

        var spec = (await fixture.GetAsync(V2Resource, ns, "replaced"))["spec"]!;
        Assert.Equal(3600, (int?)spec["timeoutSeconds"]);
        Assert.Equal(5, (int?)spec["retry"]!["maxRetries"]);
        Assert.Equal(["task.md", "prompt.md", "context.md"], spec["files"]!.AsArray().Select(f => (string?)f!["name"]));
    }

    [Fact]
    public async Task A_server_side_apply_through_v1_by_another_manager_keeps_the_v2_only_fields()
    {
        var ns = await fixture.Kubernetes.CreateNamespaceAsync("v2only");
        var created = await fixture.KubectlWithInputAsync(WithV2OnlyFields(ns, "applied").ToJsonString(), "apply", "--server-side", "-f", "-");
        Assert.True(created.Succeeded, created.ToString());

        var v1Apply = new JsonObject
        {
            ["apiVersion"] = "orchestrator.io/v1",
            ["kind"] = "TaskRun",
            ["metadata"] = new JsonObject { ["name"] = "applied", ["namespace"] = ns },
            ["spec"] = new JsonObject { ["priority"] = "low" },
        };
        var applied = await fixture.KubectlWithInputAsync(v1Apply.ToJsonString(), "apply", "--server-side", "--field-manager=priority-bot", "--force-conflicts", "--validate=false", "-f", "-");
        Assert.True(applied.Succeeded, applied.ToString());

        var spec = (await fixture.GetAsync(V2Resource, ns, "applied"))["spec"]!;
        Assert.Equal("low", (string?)spec["priority"]);
        Assert.Equal(3600, (int?)spec["timeoutSeconds"]);
        Assert.Equal("ghcr.io/org/agent:2", (string?)spec["agent"]!["image"]);
    }
}
