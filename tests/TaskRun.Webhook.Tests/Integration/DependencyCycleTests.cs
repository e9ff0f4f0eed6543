using System.Text.Json.Nodes;
using TaskRun.Testing;
using Xunit;
using static TaskRun.Webhook.Tests.Integration.Manifests;

namespace TaskRun.Webhook.Tests.Integration;

/// <summary>Through the API server: the webhook refuses a TaskRun whose dependsOn would close a cycle with existing TaskRuns.</summary>
[Collection(WebhookTests.Name)]
public sealed class DependencyCycleTests(WebhookFixture fixture)
{
    private static JsonObject WithDependsOn(JsonObject taskRun, params string[] names)
    {
        taskRun["spec"]!["dependsOn"] = new JsonArray([.. names.Select(n => JsonValue.Create(n))]);
        return taskRun;
    }

    [Fact]
    public async Task A_TaskRun_that_would_close_a_cycle_is_refused_naming_the_cycle_and_a_chain_is_allowed()
    {
        var ns = await fixture.Kubernetes.CreateNamespaceAsync("cycle");
        await ApplyAsync(WithDependsOn(ValidV2(ns, "a"), "b"));
        await ApplyAsync(WithDependsOn(ValidV2(ns, "b"), "c"));
        var closing = WithDependsOn(ValidV2(ns, "c"), "a");

        // The webhook's cache follows the API server's watch: wait until it has seen a and b.
        var refused = await Eventually.HoldsAsync(() => DryRunAsync(closing), r => !r.Succeeded, "the closing TaskRun refused");
        var created = await fixture.KubectlWithInputAsync(closing.ToJsonString(), "create", "-f", "-");

        foreach (var result in new[] { refused, created })
        {
            Assert.False(result.Succeeded);
            Assert.Contains("spec.dependsOn", result.StandardError, StringComparison.Ordinal);
            Assert.Contains("c → a → b → c", result.StandardError, StringComparison.Ordinal);
        }

        Assert.False(await fixture.ExistsAsync(V2Resource, ns, "c"));
        // Without the edge back to a, c completes a chain, which is fine.
        await ApplyAsync(WithDependsOn(ValidV2(ns, "c"), "d"));
        await ApplyAsync(WithDependsOn(ValidV2(ns, "d")));
    }

    [Fact]
    public async Task An_edit_that_would_close_a_cycle_is_refused_and_a_self_dependency_is_refused_at_once()
    {
        var ns = await fixture.Kubernetes.CreateNamespaceAsync("cycle");
        await ApplyAsync(WithDependsOn(ValidV2(ns, "api"), "schema"));
        await ApplyAsync(ValidV2(ns, "schema"));

        var patch = """{"spec":{"dependsOn":["api"]}}""";
        var refused = await Eventually.HoldsAsync(
            () => fixture.KubectlAsync("patch", V2Resource, "schema", "-n", ns, "--type=merge", "-p", patch, "--dry-run=server"), r => !r.Succeeded,
            "the closing edit refused");
        Assert.Contains("schema → api → schema", refused.StandardError, StringComparison.Ordinal);

        var self = await fixture.KubectlAsync("patch", V2Resource, "schema", "-n", ns, "--type=merge", "-p", """{"spec":{"dependsOn":["schema"]}}""");
        Assert.False(self.Succeeded);
        Assert.Contains("cannot depend on itself", self.StandardError, StringComparison.Ordinal);
    }

    private async Task ApplyAsync(JsonObject taskRun)
    {
        var result = await fixture.KubectlWithInputAsync(taskRun.ToJsonString(), "apply", "-f", "-");
        Assert.True(result.Succeeded, result.ToString());
    }

    private Task<CommandResult> DryRunAsync(JsonObject taskRun) =>
        fixture.KubectlWithInputAsync(taskRun.ToJsonString(), "create", "--dry-run=server", "-f", "-");
}
