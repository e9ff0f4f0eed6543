using k8s;
using k8s.Models;
using TaskRun.Controller.Reconciliation;
using TaskRun.Core.Config;
using TaskRun.Testing;
using Xunit;

namespace TaskRun.Controller.Tests.Integration;

/// <summary>
/// A run's Pod is admitted in a namespace whose ResourceQuota requires requests and limits on every container
/// (the init container included), checked by the API server's own ResourceQuota admission. No kubelet or Job
/// controller runs here, so the Pod is created from the Job's template directly, as the Job controller would.
/// </summary>
[Collection(ControllerTests.Name)]
public sealed class ResourceQuotaTests(KubernetesFixture fixture)
{
    [Fact]
    public async Task A_runs_Pod_is_admitted_where_a_quota_requires_limits_on_every_container()
    {
        var ns = await QuotaNamespaceAsync();
        var template = RunChildren.Job(SeedTaskRun.Build(ns), 1, ControllerConfig.Default).Spec.Template;

        var pod = await fixture.Client.CoreV1.CreateNamespacedPodAsync(PodFrom(template, "run-pod"), ns);

        var init = Assert.Single(pod.Spec.InitContainers);
        Assert.Equal("200m", init.Resources.Limits["cpu"].ToString());
        Assert.Equal("64Mi", init.Resources.Limits["memory"].ToString());
    }

    /// <summary>The check above can fail: the same Pod with an init container lacking limits is refused.</summary>
    [Fact]
    public async Task The_same_Pod_without_init_container_limits_is_refused_by_the_quota()
    {
        var ns = await QuotaNamespaceAsync();
        var template = RunChildren.Job(SeedTaskRun.Build(ns), 1, ControllerConfig.Default).Spec.Template;
        template.Spec.InitContainers[0].Resources = null;

        var refused = await Assert.ThrowsAsync<k8s.Autorest.HttpOperationException>(
            () => fixture.Client.CoreV1.CreateNamespacedPodAsync(PodFrom(template, "unlimited"), ns));

        Assert.Equal(System.Net.HttpStatusCode.Forbidden, refused.Response.StatusCode);
        Assert.Contains("must specify limits.cpu", refused.Response.Content, StringComparison.Ordinal);
    }

    private async Task<string> QuotaNamespaceAsync()
    {
        var ns = await fixture.CreateNamespaceAsync();
        var hard = new Dictionary<string, ResourceQuantity>
        {
            ["requests.cpu"] = new("100"), ["requests.memory"] = new("100Gi"), ["limits.cpu"] = new("100"), ["limits.memory"] = new("100Gi"),
        };
        var quota = await fixture.Client.CoreV1.CreateNamespacedResourceQuotaAsync(
            new V1ResourceQuota { Metadata = new V1ObjectMeta { Name = "compute" }, Spec = new V1ResourceQuotaSpec { Hard = hard } }, ns);
        // No kube-controller-manager computes the quota's usage here; without a status, admission refuses every Pod.
        quota.Status = new V1ResourceQuotaStatus { Hard = hard, Used = hard.ToDictionary(h => h.Key, _ => new ResourceQuantity("0")) };
        await fixture.Client.CoreV1.ReplaceNamespacedResourceQuotaStatusAsync(quota, "compute", ns);
        return ns;
    }

    private static V1Pod PodFrom(V1PodTemplateSpec template, string name) => new()
    {
        Metadata = new V1ObjectMeta { Name = name, Labels = template.Metadata.Labels },
        Spec = template.Spec,
    };
}
