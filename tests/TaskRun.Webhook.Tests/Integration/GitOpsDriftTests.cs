using System.Text.Json.Nodes;
using Xunit;
using static TaskRun.Webhook.Tests.Integration.Manifests;

namespace TaskRun.Webhook.Tests.Integration;

/// <summary>
/// What kubectl and GitOps tools see through the real API server: mirrored labels are never rewritten behind
/// the manifest's back (a contradiction is refused with the fix), and the inferred-type warning is not repeated
/// on writes that do not change a file's type.
/// </summary>
[Collection(WebhookTests.Name)]
public sealed class GitOpsDriftTests(WebhookFixture fixture)
{
    [Fact]
    public async Task A_manifest_whose_priority_label_contradicts_spec_priority_is_refused_with_the_fix()
    {
        var ns = await fixture.Kubernetes.CreateNamespaceAsync("labels");
        var manifest = ValidV2(ns, "contradicts");
        manifest["metadata"]!["labels"] = new JsonObject { ["priority"] = "high" };
        manifest["spec"]!["priority"] = "low";

        var applied = await fixture.KubectlWithInputAsync(manifest.ToJsonString(), "apply", "-f", "-");

        Assert.False(applied.Succeeded, applied.ToString());
        Assert.Contains("metadata.labels[priority]: label priority", applied.StandardError, StringComparison.Ordinal);
        Assert.Contains("label priority is \"high\" but spec.priority is \"low\"", applied.StandardError, StringComparison.Ordinal);
        Assert.Contains("remove it from the manifest or set it to \"low\"", applied.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_manifest_with_agreeing_labels_applies_twice_as_unchanged()
    {
        var ns = await fixture.Kubernetes.CreateNamespaceAsync("labels");
        var manifest = ValidV2(ns, "agrees");
        manifest["metadata"]!["labels"] = new JsonObject { ["priority"] = "low", ["team"] = "a" };
        manifest["spec"]!["priority"] = "low";

        var first = await fixture.KubectlWithInputAsync(manifest.ToJsonString(), "apply", "-f", "-");
        var second = await fixture.KubectlWithInputAsync(manifest.ToJsonString(), "apply", "-f", "-");

        Assert.True(first.Succeeded, first.ToString());
        Assert.Contains("taskrun.orchestrator.io/agrees unchanged", second.StandardOutput, StringComparison.Ordinal);
        var labels = (await fixture.GetAsync(V2Resource, ns, "agrees"))["metadata"]!["labels"]!;
        Assert.Equal(("low", "42", "billing"), ((string?)labels["priority"], (string?)labels["task-id"], (string?)labels["service"]));
    }

    [Fact]
    public async Task Editing_spec_priority_in_a_label_less_manifest_moves_the_label_with_it_and_stays_unchanged_after()
    {
        var ns = await fixture.Kubernetes.CreateNamespaceAsync("labels");
        var manifest = ValidV2(ns, "moves");
        var created = await fixture.KubectlWithInputAsync(manifest.ToJsonString(), "apply", "-f", "-");
        manifest["spec"]!["priority"] = "critical";

        var edited = await fixture.KubectlWithInputAsync(manifest.ToJsonString(), "apply", "-f", "-");
        var again = await fixture.KubectlWithInputAsync(manifest.ToJsonString(), "apply", "-f", "-");

        Assert.True(created.Succeeded, created.ToString());
        Assert.True(edited.Succeeded, edited.ToString());
        Assert.Equal("critical", (string?)(await fixture.GetAsync(V2Resource, ns, "moves"))["metadata"]!["labels"]!["priority"]);
        Assert.Contains("taskrun.orchestrator.io/moves unchanged", again.StandardOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Kubectl_label_that_contradicts_the_spec_is_refused()
    {
        var ns = await fixture.Kubernetes.CreateNamespaceAsync("labels");
        var created = await fixture.KubectlWithInputAsync(ValidV2(ns, "relabel").ToJsonString(), "apply", "-f", "-");

        var relabelled = await fixture.KubectlAsync("label", "otr", "relabel", "-n", ns, "priority=critical", "--overwrite");

        Assert.True(created.Succeeded, created.ToString());
        Assert.False(relabelled.Succeeded, relabelled.ToString());
        Assert.Contains("label priority is \"critical\" but spec.priority is \"medium\"", relabelled.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_inferred_type_warning_comes_on_create_but_not_on_kubectl_label_or_a_re_apply()
    {
        var ns = await fixture.Kubernetes.CreateNamespaceAsync("warn");
        var manifest = MinimalV1(ns).ToJsonString();

        var created = await fixture.KubectlWithInputAsync(manifest, "apply", "-f", "-");
        var labelled = await fixture.KubectlAsync("label", "otr", "minimal", "-n", ns, "team=a");
        var reapplied = await fixture.KubectlWithInputAsync(manifest, "apply", "-f", "-");

        Assert.True(created.Succeeded, created.ToString());
        Assert.Contains("inferred \"task\"", created.StandardError, StringComparison.Ordinal);
        Assert.True(labelled.Succeeded, labelled.ToString());
        Assert.DoesNotContain("inferred", labelled.StandardError, StringComparison.Ordinal);
        Assert.True(reapplied.Succeeded, reapplied.ToString());
        Assert.DoesNotContain("inferred", reapplied.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_inferred_type_warning_comes_again_for_a_file_whose_type_would_change()
    {
        var ns = await fixture.Kubernetes.CreateNamespaceAsync("warn");
        var manifest = ValidV2(ns, "typed");
        var created = await fixture.KubectlWithInputAsync(manifest.ToJsonString(), "apply", "-f", "-");
        manifest["spec"]!["files"]![1]!.AsObject().Remove("type"); // prompt.md: prompt before, inferred prompt now
        manifest["spec"]!["files"]!.AsArray().Add(new JsonObject { ["name"] = "notes.md", ["content"] = "notes" });

        var updated = await fixture.KubectlWithInputAsync(manifest.ToJsonString(), "apply", "-f", "-");

        Assert.True(created.Succeeded, created.ToString());
        Assert.True(updated.Succeeded, updated.ToString());
        Assert.DoesNotContain("spec.files[1].type", updated.StandardError, StringComparison.Ordinal);
        Assert.Contains("spec.files[2].type: not set; inferred \"context\"", updated.StandardError, StringComparison.Ordinal);
    }
}
