using System.Globalization;
using System.Net;
using k8s;
using k8s.Autorest;
using k8s.Models;
using TaskRun.Testing;

namespace TaskRun.E2E.Tests;

/// <summary>
/// The one-node cluster every end-to-end test runs on, started once per test process: etcd, kube-apiserver,
/// kube-controller-manager, kube-scheduler, containerd and a kubelet (<c>hack/control-plane.sh up --node</c>, in
/// <c>.local/test-e2e-*</c>), the CRD, the config below and the real controller program. Pods really run: nobody
/// writes Job status. A cluster that cannot start fails the tests with the script's reason; they never skip.
/// Everything is stopped by a watchdog when this process ends (and by hack/test.sh's trap).
/// </summary>
public sealed class LocalCluster
{
    public const string SystemNamespace = "orchestrator";
    public const string StandInAgentImage = "localhost/taskrun-agent-standin:dev";

    /// <summary>The local real-agent image (the Claude Code CLI with a scripted model inside the Pod), imported on first use.</summary>
    public const string ClaudeAgentImage = "localhost/taskrun-agent-claude:2.1.328";

    /// <summary>Where the real-agent image's scripted model listens, on the agent Pod's own loopback (the stand-in ignores it).</summary>
    public const string LocalModelUrl = "http://127.0.0.1:8787";
    public const int BackoffLimit = 1;
    public const int TtlSecondsAfterFinished = 30;

    /// <summary>
    /// The stand-in agent, small resources, one Pod retry per run, short retry delays, a TTL the tests can wait
    /// for; deadlines from the TaskRuns (the smallest allowed is 60 s); image overrides only for the tests' own
    /// (unpullable) images.
    /// </summary>
    public static readonly string Config = $"""
        job:
          backoffLimit: {BackoffLimit}
          activeDeadlineSeconds: 600
          ttlSecondsAfterFinished: {TtlSecondsAfterFinished}
        agent:
          image: "{StandInAgentImage}"
          allowOverrides: true
          allowedImages: ["localhost/taskrun-e2e/*", "localhost/taskrun-agent-claude:*"]
          apiBaseUrl: "{LocalModelUrl}"
          resources:
            requests: {"{"}cpu: "50m", memory: "32Mi"{"}"}
            limits: {"{"}cpu: "500m", memory: "128Mi"{"}"}
        initContainer:
          image: "busybox:1.36"
        retry:
          maxRetries: 1
          baseDelaySeconds: 1
          maxDelaySeconds: 2
        telemetry:
          enabled: false
        """;

    private static readonly Lazy<Task<LocalCluster>> SharedInstance = new(StartAsync);

    private readonly Lazy<Task> claudeImage;

    private LocalCluster(string directory, IKubernetes client, DotnetProcess controller)
    {
        Directory = directory;
        Client = client;
        Controller = controller;
        claudeImage = new Lazy<Task>(ImportClaudeImageAsync);
    }

    public static Task<LocalCluster> Shared => SharedInstance.Value;

    public string Directory { get; }

    public string KubeconfigPath => Path.Combine(Directory, "kubeconfig");

    public IKubernetes Client { get; }

    public DotnetProcess Controller { get; }

    /// <summary>A namespace of the test's own, with the API key Secret the Job names and its default ServiceAccount.</summary>
    public async Task<string> CreateNamespaceAsync(string prefix)
    {
        var name = $"{prefix}-{Guid.NewGuid().ToString("N")[..8]}";
        await Client.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = name } });
        await Client.CoreV1.CreateNamespacedSecretAsync(new V1Secret
        {
            Metadata = new V1ObjectMeta { Name = "orchestrator-secrets" },
            StringData = new Dictionary<string, string> { ["ANTHROPIC_API_KEY"] = "not-a-key-the-stand-in-agent-needs-none" },
        }, name);
        // The controller-manager creates it; a Pod created before it exists is refused (and retried, slowly).
        await Eventually.HoldsAsync(async () =>
        {
            try
            {
                await Client.CoreV1.ReadNamespacedServiceAccountAsync("default", name);
                return true;
            }
            catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
            {
                return false;
            }
        }, ok => ok, $"the default ServiceAccount of {name}", TimeSpan.FromSeconds(60));
        return name;
    }

    /// <summary>Builds (cached per machine) and imports the real-agent image into the node, once per test process.</summary>
    public Task EnsureClaudeAgentImageAsync() => claudeImage.Value;

    public Task<CommandResult> KubectlAsync(params string[] arguments) =>
        ProcessRunner.RunAsync("kubectl", arguments, new Dictionary<string, string> { ["KUBECONFIG"] = KubeconfigPath });

    private async Task ImportClaudeImageAsync()
    {
        var import = await ProcessRunner.RunAsync("bash", [RepositoryPaths.ControlPlaneScript, "agent-image-claude"],
            new Dictionary<string, string> { ["CONTROL_PLANE_DIR"] = Directory }, timeout: TimeSpan.FromMinutes(20));
        if (!import.Succeeded)
        {
            throw new InvalidOperationException($"the real-agent image could not be built or imported (hack/control-plane.sh agent-image-claude):\n{import}");
        }
    }

    private static async Task<LocalCluster> StartAsync()
    {
        var directory = RepositoryPaths.InRoot(".local", $"test-e2e-{Environment.ProcessId}");
        var script = RepositoryPaths.ControlPlaneScript;
        await ProcessWatchdog.RunWhenThisProcessEndsAsync(
            $"CONTROL_PLANE_DIR='{directory}' bash '{script}' down && rm -f '{directory}.watchdog.log'", $"{directory}.watchdog.log");
        var up = await ProcessRunner.RunAsync("bash", [script, "up", "--node"],
            // One node per machine: another test run's node (e.g. a second checkout) is waited for, not fought.
            new Dictionary<string, string> { ["CONTROL_PLANE_DIR"] = directory, ["NODE_WAIT_SECONDS"] = "900" },
            timeout: TimeSpan.FromMinutes(60));
        if (!up.Succeeded)
        {
            throw new InvalidOperationException($"the local node did not start (hack/control-plane.sh up --node, CONTROL_PLANE_DIR={directory}):\n{up}");
        }

        var client = new Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(Path.Combine(directory, "kubeconfig")));
        await CrdInstaller.ApplyAsync(client, CrdInstaller.Load(RepositoryPaths.CrdFile), TimeSpan.FromSeconds(60));
        await client.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = SystemNamespace } });
        await client.CoreV1.CreateNamespacedConfigMapAsync(ControllerConfigMaps.Build(SystemNamespace, Config), SystemNamespace);

        var port = DotnetProcess.FreePort();
        var controller = DotnetProcess.Start(DotnetProcess.ControllerProgram(),
        [
            $"--Controller:Kubeconfig={Path.Combine(directory, "kubeconfig")}",
            $"--Controller:MetricsPort={port}",
            $"--Controller:SystemNamespace={SystemNamespace}",
        ], Path.Combine(directory, "controller.log"));
        await ProcessWatchdog.RunWhenThisProcessEndsAsync(
            $"kill {controller.Id.ToString(CultureInfo.InvariantCulture)} 2>/dev/null; rm -f '{directory}.controller-watchdog.log'", $"{directory}.controller-watchdog.log");
        await controller.WaitForOkAsync(new Uri($"http://127.0.0.1:{port}/readyz"), TimeSpan.FromSeconds(60));
        return new LocalCluster(directory, client, controller);
    }
}
