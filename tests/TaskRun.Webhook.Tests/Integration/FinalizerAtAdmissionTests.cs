using TaskRun.Core.Api;
using Xunit;
using static TaskRun.Webhook.Tests.Integration.Manifests;

namespace TaskRun.Webhook.Tests.Integration;

/// <summary>
/// The mutating webhook adds the controller's finalizer when a TaskRun is created, through the real API server, so
/// the controller's first reconcile needs no write for it; re-applies neither repeat nor remove it.
/// </summary>
[Collection(WebhookTests.Name)]
public sealed class FinalizerAtAdmissionTests(WebhookFixture fixture)
{
    [Fact]
    public async Task A_created_TaskRun_is_stored_with_the_controllers_finalizer_and_a_re_apply_keeps_it_unchanged()
    {
        var ns = await fixture.Kubernetes.CreateNamespaceAsync("finalizer");
        var manifest = MinimalV1(ns).ToJsonString();

        var created = await fixture.KubectlWithInputAsync(manifest, "apply", "-f", "-");
        var again = await fixture.KubectlWithInputAsync(manifest, "apply", "-f", "-");

        Assert.True(created.Succeeded, created.ToString());
        Assert.Contains("unchanged", again.StandardOutput, StringComparison.Ordinal);
        var stored = await fixture.GetAsync(V2Resource, ns, "minimal");
        Assert.Equal($"""["{TaskRunApi.Finalizer}"]""", stored["metadata"]!["finalizers"]!.ToJsonString());
    }

    [Fact]
    public async Task A_server_side_apply_create_gets_the_finalizer_and_a_second_server_side_apply_keeps_it()
    {
        var ns = await fixture.Kubernetes.CreateNamespaceAsync("finalizer-ssa");
        var manifest = MinimalV1(ns).ToJsonString();

        var created = await fixture.KubectlWithInputAsync(manifest, "apply", "--server-side", "-f", "-");
        var again = await fixture.KubectlWithInputAsync(manifest, "apply", "--server-side", "-f", "-");

        Assert.True(created.Succeeded, created.ToString());
        Assert.True(again.Succeeded, again.ToString());
        var stored = await fixture.GetAsync(V2Resource, ns, "minimal");
        Assert.Equal($"""["{TaskRunApi.Finalizer}"]""", stored["metadata"]!["finalizers"]!.ToJsonString());
    }
}
