using System.Text.Json.Nodes;
using TaskRun.Testing;
using Xunit;
using static TaskRun.Deploy.Tests.RenderedManifests;

namespace TaskRun.Deploy.Tests;

/// <summary>
/// deploy/overlays/namespaced confines the controller to the namespaces it lists: no ClusterRole, a Role per
/// namespace, and the matching Controller:WatchNamespaces. Its rules, bound to a ServiceAccount of their own
/// (the default RBAC of other tests binds the real one cluster-wide), allow the work there and nothing elsewhere.
/// </summary>
[Collection(DeployTests.Name)]
public sealed class NamespacedOverlayTests(KubernetesFixture fixture)
{
    private const string Overlay = "deploy/overlays/namespaced";
    private const string Confined = "taskrun-controller-confined";

    [Fact]
    public async Task The_overlay_replaces_the_ClusterRole_with_Roles_in_the_watched_namespace()
    {
        var objects = await RenderAsync(Overlay);

        Assert.DoesNotContain(objects, o => Kind(o) is "ClusterRole" or "ClusterRoleBinding" && Name(o) == "taskrun-controller");
        var role = Single(objects.Where(o => (string?)o["metadata"]!["namespace"] == "team-a"), "Role", "taskrun-controller");
        Assert.Contains(role["rules"]!.AsArray(), r => r!["resources"]!.AsArray().Any(x => (string?)x == "jobs"));
        var args = Single(objects, "Deployment", "taskrun-controller")["spec"]!["template"]!["spec"]!["containers"]![0]!["args"]!.AsArray().Select(a => (string)a!);
        Assert.Contains("--Controller:WatchNamespaces=team-a", args);
    }

    [Fact]
    public async Task The_overlays_rules_allow_the_work_in_the_watched_namespace_and_nothing_elsewhere()
    {
        var objects = await RenderAsync(Overlay);
        var roles = objects
            .Where(o => Kind(o) is "Role" or "RoleBinding" && Name(o) is "taskrun-controller" or "taskrun-controller-config")
            .Select(o => (JsonObject)o.DeepClone())
            .ToList();
        foreach (var binding in roles.Where(o => Kind(o) == "RoleBinding"))
        {
            binding["subjects"]![0]!["name"] = Confined;
        }

        foreach (var ns in new[] { "team-a", "orchestrator" })
        {
            await fixture.KubectlAsync("create", "namespace", ns);
        }

        var list = new JsonObject { ["apiVersion"] = "v1", ["kind"] = "List", ["items"] = new JsonArray(roles.Select(o => (JsonNode)o).ToArray()) };
        var applied = await fixture.KubectlWithInputAsync(list.ToJsonString(), "apply", "-f", "-");
        Assert.True(applied.Succeeded, applied.ToString());
        var user = ServiceAccountIdentity.UserName("orchestrator", Confined);
        // The API server's authorizer learns new Roles through a watch: wait until the bindings are in force.
        await Eventually.HoldsAsync(() => ServiceAccountIdentity.CanAsync(fixture.Client, user, "watch", "", "configmaps", "orchestrator"),
            "the applied RoleBindings in force");
        await Eventually.HoldsAsync(() => ServiceAccountIdentity.CanAsync(fixture.Client, user, "create", "batch", "jobs", "team-a"),
            "the applied RoleBindings in force");

        foreach (var (verb, group, resource) in new[] { ("create", "batch", "jobs"), ("delete", "", "configmaps"), ("watch", "orchestrator.io", "taskruns"), ("create", "", "persistentvolumeclaims") })
        {
            Assert.True(await ServiceAccountIdentity.CanAsync(fixture.Client, user, verb, group, resource, "team-a"), $"{verb} {resource} in team-a");
            Assert.False(await ServiceAccountIdentity.CanAsync(fixture.Client, user, verb, group, resource, "kube-system"), $"{verb} {resource} in kube-system");
            Assert.False(await ServiceAccountIdentity.CanAsync(fixture.Client, user, verb, group, resource, "default"), $"{verb} {resource} in default");
        }

        Assert.False(await ServiceAccountIdentity.CanAsync(fixture.Client, user, "list", "batch", "jobs", null), "list Jobs in all namespaces");
        Assert.True(await ServiceAccountIdentity.CanAsync(fixture.Client, user, "watch", "", "configmaps", "orchestrator"), "watch its config");
        Assert.False(await ServiceAccountIdentity.CanAsync(fixture.Client, user, "delete", "", "configmaps", "orchestrator"), "delete ConfigMaps of the system namespace");
        Assert.False(await ServiceAccountIdentity.CanAsync(fixture.Client, user, "get", "", "secrets", "team-a"), "read Secrets");
    }
}
