using System.Net;
using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using TaskRun.Core.Api;
using TaskRun.Core.Config;
using TaskRun.Testing;
using Xunit;

namespace TaskRun.Webhook.Tests.Integration.Tenancy;

/// <summary>
/// A hostile TaskRun author: a ServiceAccount bound only to the <c>taskrun-editor</c> ClusterRole in one namespace,
/// acting with kubectl and its own token, against the real API server with the webhook registered. The controller
/// runs as its own process (as deployed), watching only that namespace (<c>Controller:WatchNamespaces</c>), with the
/// webhook's system namespace as its own. The admin (the test's cluster-admin client) sets the stage.
/// </summary>
internal sealed class Tenant : IAsyncDisposable
{
    private readonly WebhookFixture fixture;
    private readonly string directory;
    private DotnetProcess? controller;

    private Tenant(WebhookFixture fixture, string ns, string kubeconfig, string directory)
    {
        this.fixture = fixture;
        Namespace = ns;
        Kubeconfig = kubeconfig;
        this.directory = directory;
    }

    public string Namespace { get; }

    public string Kubeconfig { get; }

    public IKubernetes Admin => fixture.Kubernetes.Client;

    public int ControllerPort { get; } = DotnetProcess.FreePort();

    public DotnetProcess Controller => controller ?? throw new InvalidOperationException("the controller is not started");

    public static async Task<Tenant> CreateAsync(WebhookFixture fixture)
    {
        var roles = await fixture.KubectlAsync("apply", "-f", RepositoryPaths.InRoot("deploy", "rbac", "user-roles.yaml"));
        Assert.True(roles.Succeeded, roles.ToString());
        var ns = await fixture.Kubernetes.CreateNamespaceAsync("tenant");
        var directory = Directory.CreateTempSubdirectory("tenant-").FullName;
        var kubeconfig = await ServiceAccountIdentity.CreateBoundAsync(fixture.Kubernetes, ns, "author", "taskrun-editor", directory);
        return new Tenant(fixture, ns, kubeconfig, directory);
    }

    /// <summary>Starts the controller process; by default waits until it is ready.</summary>
    public async Task StartControllerAsync(bool waitReady = true)
    {
        controller = DotnetProcess.Start(DotnetProcess.ControllerProgram(),
        [
            $"--Controller:Kubeconfig={fixture.Kubernetes.ControlPlane.KubeconfigPath}",
            $"--Controller:MetricsPort={ControllerPort}",
            $"--Controller:SystemNamespace={fixture.ConfigNamespace}",
            $"--Controller:WatchNamespaces={Namespace}",
            "--Controller:LeaderElection:Enabled=false",
        ], Path.Combine(directory, "controller.log"));
        if (waitReady)
        {
            await controller.WaitForOkAsync(new Uri($"http://127.0.0.1:{ControllerPort}/readyz"), TimeSpan.FromSeconds(60));
        }
    }

    /// <summary>The controller's /readyz status and text, or null while it does not answer yet.</summary>
    public async Task<(HttpStatusCode Status, string Text)?> ControllerReadinessAsync(string path = "/readyz")
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        try
        {
            using var response = await http.GetAsync(new Uri($"http://127.0.0.1:{ControllerPort}{path}"));
            return (response.StatusCode, await response.Content.ReadAsStringAsync());
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return null;
        }
    }

    /// <summary>kubectl as the tenant (stdin: a manifest).</summary>
    public Task<CommandResult> KubectlAsync(string? input, params string[] arguments) =>
        ProcessRunner.RunAsync("kubectl", arguments, new Dictionary<string, string> { ["KUBECONFIG"] = Kubeconfig }, input);

    public Task<CommandResult> ApplyAsync(JsonObject manifest) => KubectlAsync(manifest.ToJsonString(), "apply", "-f", "-");

    /// <summary>A valid v2 TaskRun of this namespace.</summary>
    public JsonObject TaskRun(string name, string service = "billing", string content = "# Task") => new()
    {
        ["apiVersion"] = TaskRunApi.V2ApiVersion,
        ["kind"] = TaskRunApi.Kind,
        ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = Namespace },
        ["spec"] = new JsonObject
        {
            ["taskId"] = 42,
            ["serviceName"] = service,
            ["files"] = new JsonArray(new JsonObject { ["name"] = "task.md", ["type"] = "task", ["content"] = content }),
            ["retry"] = new JsonObject { ["attempt"] = 1 },
        },
    };

    public Task<V2TaskRun?> GetAsync(string name) => TaskRunClient.GetAsync(Admin, Namespace, name);

    /// <summary>Waits until the TaskRun's Succeeded condition has <paramref name="reason"/>.</summary>
    public async Task<V2TaskRun> WaitForReasonAsync(string name, string reason) =>
        (await EventuallyAsync(() => GetAsync(name), t => Condition(t)?.Reason == reason, $"TaskRun {name} with reason {reason}"))!;

    public async Task<V2TaskRun> WaitForPhaseAsync(string name, string phase) =>
        (await EventuallyAsync(() => GetAsync(name), t => t?.Status?.Phase == phase, $"TaskRun {name} {phase}"))!;

    public static V1Condition? Condition(V2TaskRun? taskRun) =>
        taskRun?.Status?.Conditions?.FirstOrDefault(c => c.Type == ConditionTypes.Succeeded);

    public async Task<IList<Corev1Event>> EventsOfAsync(string name) =>
        (await Admin.CoreV1.ListNamespacedEventAsync(Namespace)).Items.Where(e => e.InvolvedObject.Name == name).ToList();

    /// <summary>Applies the controller config as the admin and waits until the webhook judges by it.</summary>
    public async Task SetConfigAsync(string yaml, JsonObject? admittedOnceInForce = null)
    {
        var manifest = new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "ConfigMap",
            ["metadata"] = new JsonObject { ["name"] = ControllerConfig.ConfigMapName, ["namespace"] = fixture.ConfigNamespace },
            ["data"] = new JsonObject { [ControllerConfig.DataKey] = yaml },
        };
        var applied = await fixture.KubectlWithInputAsync(manifest.ToJsonString(), "apply", "-f", "-");
        Assert.True(applied.Succeeded, applied.ToString());
        if (admittedOnceInForce is not null)
        {
            await EventuallyAsync(() => KubectlAsync(admittedOnceInForce.ToJsonString(), "apply", "--dry-run=server", "-f", "-"), r => r.Succeeded, "the config in force");
        }
    }

    public async Task RemoveConfigAsync()
    {
        var deleted = await fixture.KubectlAsync("delete", "configmap", ControllerConfig.ConfigMapName, "-n", fixture.ConfigNamespace, "--ignore-not-found");
        Assert.True(deleted.Succeeded, deleted.ToString());
    }

    /// <summary><see cref="Eventually"/>, with the tenant's controller log on timeout.</summary>
    public Task<T> EventuallyAsync<T>(Func<Task<T>> read, Func<T, bool> done, string what) =>
        Eventually.HoldsAsync(read, done, what, TimeSpan.FromMinutes(1), context: () => $"controller log:\n{controller?.ReadLog()}");

    public async ValueTask DisposeAsync()
    {
        if (controller is not null)
        {
            await controller.DisposeAsync();
        }

        await RemoveConfigAsync();
        Directory.Delete(directory, recursive: true);
    }
}
