using System.Text.Json.Nodes;
using Xunit;
using static TaskRun.Webhook.Tests.Integration.Manifests;

namespace TaskRun.Webhook.Tests.Integration;

/// <summary>
/// The seed's v1 example through the real API server: conversion (v1 ⇄ v2), defaulting and validation by this
/// webhook, and what GitOps tools see on re-apply.
/// </summary>
[Collection(WebhookTests.Name)]
public sealed class SampleApplyTests(WebhookFixture fixture)
{
    [Fact]
    public async Task The_v1_example_is_accepted_stored_with_its_labels_and_reads_back_identically_as_v1_and_as_v2()
    {
        var ns = await fixture.Kubernetes.CreateNamespaceAsync("sample");
        var manifest = SampleJson("taskrun-v1.yaml", ns);

        var applied = await fixture.KubectlWithInputAsync(Sample("taskrun-v1.yaml"), "apply", "-n", ns, "-f", "-");

        Assert.True(applied.Succeeded, applied.ToString());
        Assert.Contains($"taskrun.orchestrator.io/{SampleName} created", applied.StandardOutput, StringComparison.Ordinal);
        var asV1 = await fixture.GetAsync(V1Resource, ns, SampleName);
        Assert.Equal("orchestrator.io/v1", (string?)asV1["apiVersion"]);
        AssertJsonEqual(manifest["spec"], asV1["spec"]);
        AssertJsonEqual(manifest["metadata"]!["labels"], asV1["metadata"]!["labels"]);
        Assert.Null(asV1["metadata"]!["annotations"]!["orchestrator.io/v2-spec"]);

        var asV2 = await fixture.GetAsync(V2Resource, ns, SampleName);
        var v2Sample = SampleJson("taskrun-v2.yaml", ns);
        Assert.Equal("orchestrator.io/v2", (string?)asV2["apiVersion"]);
        AssertJsonEqual(v2Sample["spec"], asV2["spec"]);
        AssertJsonEqual(v2Sample["metadata"]!["labels"], asV2["metadata"]!["labels"]);
        Assert.Equal(asV1["metadata"]!["uid"]!.ToString(), asV2["metadata"]!["uid"]!.ToString());
    }

    [Theory]
    [InlineData("taskrun-v1.yaml")]
    [InlineData("taskrun-v2.yaml")]
    public async Task Each_sample_installs_into_the_namespace_given_with_kubectl_apply_n(string file)
    {
        var ns = await fixture.Kubernetes.CreateNamespaceAsync("team-a");

        var applied = await fixture.KubectlWithInputAsync(Sample(file), "apply", "-n", ns, "-f", "-");

        Assert.True(applied.Succeeded, applied.ToString());
        Assert.Equal(ns, (string?)(await fixture.GetAsync(V2Resource, ns, SampleName))["metadata"]!["namespace"]);
    }

    [Fact]
    public async Task A_v1_manifest_without_the_defaulted_fields_is_stored_with_the_defaulted_labels_and_the_user_is_told()
    {
        var ns = await fixture.Kubernetes.CreateNamespaceAsync("defaults");
        var manifest = MinimalV1(ns);

        var applied = await fixture.KubectlWithInputAsync(manifest.ToJsonString(), "apply", "-f", "-");

        Assert.True(applied.Succeeded, applied.ToString());
        Assert.Contains("Warning: spec.markdownFiles[1].fileType: not set; inferred \"design-spec\"", applied.StandardError, StringComparison.Ordinal);
        var stored = await fixture.GetAsync(V2Resource, ns, "minimal");
        AssertJsonEqual(JsonNode.Parse("""{"priority":"medium","service":"auth-service","task-id":"1001"}"""), stored["metadata"]!["labels"]);
        Assert.Equal("medium", (string?)stored["spec"]!["priority"]);
        Assert.Equal(1, (int?)stored["spec"]!["retry"]!["attempt"]);
        // Inferred types are told, not written: the files list is atomic to apply, so writing them would be drift.
        Assert.All(stored["spec"]!["files"]!.AsArray(), f => Assert.Null(f!["type"]));
        Assert.Contains("Warning: spec.markdownFiles[0].fileType: not set; inferred \"task\"", applied.StandardError, StringComparison.Ordinal);
        Assert.Contains("Warning: spec.markdownFiles[2].fileType: not set; inferred \"prompt\"", applied.StandardError, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("seed example")]
    [InlineData("minimal")]
    public async Task Applying_twice_is_unchanged_and_kubectl_diff_is_empty(string which)
    {
        var ns = await fixture.Kubernetes.CreateNamespaceAsync("reapply");
        var (manifest, name) = which == "minimal" ? (MinimalV1(ns).ToJsonString(), "minimal") : (SampleJson("taskrun-v1.yaml", ns).ToJsonString(), SampleName);

        var first = await fixture.KubectlWithInputAsync(manifest, "apply", "-f", "-");
        var resourceVersion = (string?)(await fixture.GetAsync(V2Resource, ns, name))["metadata"]!["resourceVersion"];
        var second = await fixture.KubectlWithInputAsync(manifest, "apply", "-f", "-");
        var diff = await fixture.KubectlWithInputAsync(manifest, "diff", "-f", "-");

        Assert.True(first.Succeeded, first.ToString());
        Assert.True(second.Succeeded, second.ToString());
        Assert.Contains($"taskrun.orchestrator.io/{name} unchanged", second.StandardOutput, StringComparison.Ordinal);
        Assert.True(diff.ExitCode == 0, $"kubectl diff found drift:\n{diff}");
        Assert.Equal("", diff.StandardOutput);
        Assert.Equal(resourceVersion, (string?)(await fixture.GetAsync(V2Resource, ns, name))["metadata"]!["resourceVersion"]);
    }

    [Theory]
    [InlineData("seed example")]
    [InlineData("minimal")]
    public async Task Two_server_side_applies_in_a_row_keep_the_resourceVersion(string which)
    {
        var ns = await fixture.Kubernetes.CreateNamespaceAsync("ssa");
        var (manifest, name) = which == "minimal" ? (MinimalV1(ns).ToJsonString(), "minimal") : (SampleJson("taskrun-v1.yaml", ns).ToJsonString(), SampleName);

        var first = await fixture.KubectlWithInputAsync(manifest, "apply", "--server-side", "--field-manager=gitops", "-f", "-");
        var afterFirst = (string?)(await fixture.GetAsync(V2Resource, ns, name))["metadata"]!["resourceVersion"];
        var second = await fixture.KubectlWithInputAsync(manifest, "apply", "--server-side", "--field-manager=gitops", "-f", "-");
        var afterSecond = (string?)(await fixture.GetAsync(V2Resource, ns, name))["metadata"]!["resourceVersion"];
        var third = await fixture.KubectlWithInputAsync(manifest, "apply", "--server-side", "--field-manager=gitops", "-f", "-");
        var afterThird = (string?)(await fixture.GetAsync(V2Resource, ns, name))["metadata"]!["resourceVersion"];

        Assert.True(first.Succeeded, first.ToString());
        Assert.True(second.Succeeded, second.ToString());
        Assert.True(third.Succeeded, third.ToString());
        Assert.Equal(afterFirst, afterSecond);
        Assert.Equal(afterFirst, afterThird);
    }

    [Fact]
    public async Task A_list_through_v1_converts_every_object()
    {
        var ns = await fixture.Kubernetes.CreateNamespaceAsync("list");
        for (var i = 0; i < 5; i++)
        {
            var taskRun = ValidV2(ns, $"run-{i}");
            taskRun["spec"]!["timeoutSeconds"] = 600 + i;
            var created = await fixture.KubectlWithInputAsync(taskRun.ToJsonString(), "create", "-f", "-");
            Assert.True(created.Succeeded, created.ToString());
        }

        var list = await fixture.KubectlAsync("get", V1Resource, "-n", ns, "-o", "json");

        Assert.True(list.Succeeded, list.ToString());
        var items = JsonNode.Parse(list.StandardOutput)!["items"]!.AsArray();
        Assert.Equal(5, items.Count);
        Assert.All(items, item => Assert.Equal("orchestrator.io/v1", (string?)item!["apiVersion"]));
        Assert.Equal(Enumerable.Range(0, 5).Select(i => $"{{\"timeoutSeconds\":{600 + i}}}"),
            items.Select(item => (string?)item!["metadata"]!["annotations"]!["orchestrator.io/v2-spec"]));
    }

    internal static void AssertJsonEqual(JsonNode? expected, JsonNode? actual) =>
        Assert.True(JsonNode.DeepEquals(expected, actual), $"expected {expected?.ToJsonString()}\n  actual {actual?.ToJsonString()}");
}
