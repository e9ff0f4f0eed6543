using System.Text.Json;
using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using TaskRun.Core.Api;
using TaskRun.Testing;
using Xunit;
using static TaskRun.Deploy.Tests.RenderedManifests;

namespace TaskRun.Deploy.Tests;

/// <summary>
/// The roles of deploy/rbac are enough and no more: both programs run under their own ServiceAccount tokens,
/// bound to exactly those roles, and do their work; neither may read a Secret or step outside its job.
/// </summary>
[Collection(DeployTests.Name)]
public sealed class RbacTests(KubernetesFixture fixture) : IAsyncLifetime, IDisposable
{
    private const string SystemNamespace = "orchestrator";
    private static readonly string Controller = ServiceAccountIdentity.UserName(SystemNamespace, "taskrun-controller");
    private static readonly string Webhook = ServiceAccountIdentity.UserName(SystemNamespace, "taskrun-webhook");
    private readonly string directory = Directory.CreateTempSubdirectory("rbac-").FullName;

    public async Task InitializeAsync()
    {
        // The system namespace and the RBAC objects, exactly as deploy/default renders them.
        var objects = await RenderAsync();
        var rbac = objects.Where(o => Kind(o) is "Namespace" or "ServiceAccount" or "ClusterRole" or "ClusterRoleBinding" or "Role" or "RoleBinding" or "ConfigMap");
        var list = new JsonObject { ["apiVersion"] = "v1", ["kind"] = "List", ["items"] = new JsonArray(rbac.Select(o => (JsonNode)o.DeepClone()).ToArray()) };
        var applied = await fixture.KubectlWithInputAsync(list.ToJsonString(), "apply", "-f", "-");
        Assert.True(applied.Succeeded, applied.ToString());
    }

    public Task DisposeAsync() => Task.CompletedTask;

    public static TheoryData<string, string, string, string, string?> Forbidden => new()
    {
        { "controller", "get", "", "secrets", SystemNamespace },
        { "controller", "list", "", "secrets", null },
        { "controller", "watch", "", "secrets", "default" },
        { "webhook", "get", "", "secrets", SystemNamespace },
        { "webhook", "list", "", "secrets", null },
        { "controller", "create", "", "pods", "default" },
        { "controller", "delete", "", "pods", "default" },
        { "controller", "patch", "", "pods", "default" },
        { "controller", "watch", "", "pods", "default" },
        { "controller", "delete", "orchestrator.io", "taskruns", "default" },
        { "controller", "create", "orchestrator.io", "taskruns", "default" },
        { "controller", "delete", "", "persistentvolumeclaims", "default" },
        { "controller", "update", "coordination.k8s.io", "leases", "default" },
        { "controller", "create", "rbac.authorization.k8s.io", "rolebindings", SystemNamespace },
        { "webhook", "list", "", "configmaps", "default" },
        { "webhook", "update", "", "configmaps", SystemNamespace },
        { "webhook", "update", "orchestrator.io", "taskruns", "default" },
        { "webhook", "patch", "orchestrator.io", "taskruns/status", "default" },
        { "webhook", "create", "batch", "jobs", "default" },
    };

    [Theory]
    [MemberData(nameof(Forbidden))]
    public async Task A_service_account_is_refused(string who, string verb, string group, string resource, string? ns)
    {
        var user = who == "controller" ? Controller : Webhook;
        Assert.False(await ServiceAccountIdentity.CanAsync(fixture.Client, user, verb, group, resource, ns), $"{who} may {verb} {resource} in {ns ?? "all namespaces"}");
    }

    [Theory]
    [InlineData("list")]
    [InlineData("watch")]
    public async Task The_webhook_may_read_TaskRuns_in_every_namespace_to_follow_dependsOn(string verb)
    {
        Assert.True(await ServiceAccountIdentity.CanAsync(fixture.Client, Webhook, verb, "orchestrator.io", "taskruns", null), $"webhook may not {verb} taskruns");
    }

    [Fact]
    public async Task The_controller_under_its_own_service_account_runs_a_TaskRun_from_creation_to_cleanup()
    {
        var kubeconfig = await ServiceAccountIdentity.WriteKubeconfigAsync(fixture, SystemNamespace, "taskrun-controller", directory);
        var port = DotnetProcess.FreePort();
        await using var controller = DotnetProcess.Start(DotnetProcess.ControllerProgram(),
        [
            $"--Controller:Kubeconfig={kubeconfig}",
            $"--Controller:MetricsPort={port}",
            $"--Controller:SystemNamespace={SystemNamespace}",
        ], Path.Combine(directory, "controller.log"));
        await controller.WaitForOkAsync(new Uri($"http://127.0.0.1:{port}/readyz"), TimeSpan.FromSeconds(60));

        var ns = await fixture.CreateNamespaceAsync("rbac");
        var taskRun = new V2TaskRun
        {
            Metadata = new V1ObjectMeta { Name = "rbac-run", NamespaceProperty = ns },
            Spec = new V2TaskRunSpec { TaskId = 7, ServiceName = "svc", Files = [new TaskFile { Name = "task.md", Content = "# t" }], Retry = new RetrySpec { Attempt = 1 } },
        };
        await TaskRunClient.CreateAsync(fixture.Client, taskRun);
        await WaitForAsync(async () => (await GetAsync(ns))?.Status?.Phase == Phases.Running, "Running", controller);

        var complete = JsonSerializer.Serialize(new { status = new { conditions = new[] { new { type = "Complete", status = "True" } } } });
        await fixture.Client.BatchV1.PatchNamespacedJobStatusAsync(new V1Patch(complete, V1Patch.PatchType.MergePatch), "rbac-run-run-1", ns);
        await WaitForAsync(async () => (await GetAsync(ns))?.Status?.Phase == Phases.Succeeded, "Succeeded", controller);

        await TaskRunClient.DeleteAsync(fixture.Client, ns, "rbac-run");
        await WaitForAsync(async () => await GetAsync(ns) is null, "the TaskRun and its children deleted", controller);
        Assert.Empty((await fixture.Client.BatchV1.ListNamespacedJobAsync(ns)).Items);

        var lease = await fixture.Client.CoordinationV1.ReadNamespacedLeaseAsync("taskrun-controller-leader", SystemNamespace);
        Assert.False(string.IsNullOrEmpty(lease.Spec.HolderIdentity));
        Assert.DoesNotContain("Forbidden", controller.ReadLog(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_webhook_under_its_own_service_account_reads_its_config_and_reports_a_bad_one()
    {
        var kubeconfig = await ServiceAccountIdentity.WriteKubeconfigAsync(fixture, SystemNamespace, "taskrun-webhook", directory);
        var certs = Path.Combine(directory, "certs");
        var generated = await ProcessRunner.RunAsync("bash", [RepositoryPaths.InRoot("hack", "certs.sh"), certs]);
        Assert.True(generated.Succeeded, generated.ToString());
        var port = DotnetProcess.FreePort();
        await using var webhook = DotnetProcess.Start(DotnetProcess.BuiltDll("TaskRun.Webhook"),
        [
            "--Webhook:TlsPort=0",
            $"--Webhook:HealthPort={port}",
            "--Webhook:BindAddress=127.0.0.1",
            $"--Webhook:CertDirectory={certs}",
            $"--Webhook:Kubeconfig={kubeconfig}",
            $"--Webhook:ConfigNamespace={SystemNamespace}",
        ], Path.Combine(directory, "webhook.log"));
        await webhook.WaitForOkAsync(new Uri($"http://127.0.0.1:{port}/readyz"), TimeSpan.FromSeconds(60));

        // No config webhook is registered in this cluster, so a bad config lands and the webhook must report it.
        var bad = ControllerConfigMaps.Build(SystemNamespace, "job:\n  backoffLimit: -1\n");
        await fixture.Client.CoreV1.ReplaceNamespacedConfigMapAsync(bad, bad.Metadata.Name, SystemNamespace);
        await WaitForAsync(async () => (await fixture.Client.CoreV1.ListNamespacedEventAsync(SystemNamespace)).Items
            .Any(e => e.InvolvedObject.Name == "taskrun-controller-config" && e.Type == "Warning"), "a Warning event on the config", webhook);
        Assert.DoesNotContain("Forbidden", webhook.ReadLog(), StringComparison.Ordinal);
    }

    public void Dispose() => Directory.Delete(directory, recursive: true);

    private Task<V2TaskRun?> GetAsync(string ns) => TaskRunClient.GetAsync(fixture.Client, ns, "rbac-run");

    private static Task WaitForAsync(Func<Task<bool>> condition, string what, DotnetProcess process) =>
        Eventually.HoldsAsync(condition, what, TimeSpan.FromMinutes(1), context: () => $"log:\n{process.ReadLog()}");
}
