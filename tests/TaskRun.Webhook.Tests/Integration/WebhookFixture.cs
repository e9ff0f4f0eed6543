using System.Text.Json.Nodes;
using TaskRun.Testing;
using TaskRun.Webhook.Tests.Support;
using Xunit;

namespace TaskRun.Webhook.Tests.Integration;

/// <summary>
/// The webhook running in this test process on a real TLS port (127.0.0.1, a test CA), watching its config in
/// a system namespace of its own, and registered with the process's real kube-apiserver by
/// <c>hack/webhook-register.sh</c>: the same registration <c>hack/webhook-up.sh</c> uses. The CRD is
/// cluster-scoped, so its conversion webhook is registered once per process, here.
/// </summary>
public sealed class WebhookFixture : IAsyncLifetime, IDisposable
{
    private readonly TempDirectory certificates = new();
    private readonly TestCertificates ca = new("taskrun-webhook-test-ca");
    private InProcessWebhook? webhook;

    public KubernetesFixture Kubernetes { get; } = new();

    /// <summary>The webhook's system namespace: its <c>taskrun-controller-config</c> is the live config.</summary>
    public string ConfigNamespace { get; } = $"taskrun-system-{Guid.NewGuid().ToString("N")[..8]}";

    internal InProcessWebhook Webhook => webhook ?? throw new InvalidOperationException("not started");

    internal TestCertificates Ca => ca;

    public string CertificateDirectory => certificates.Path;

    public string CaFile => Path.Combine(certificates.Path, "ca.crt");

    public async Task InitializeAsync()
    {
        await Kubernetes.InitializeAsync();
        ca.WriteServingPair(certificates.Path);
        File.WriteAllText(CaFile, ca.CaPem);
        webhook = await InProcessWebhook.StartAsync(certificates.Path,
        [
            "--Webhook:WatchConfig=true",
            $"--Webhook:Kubeconfig={Kubernetes.ControlPlane.KubeconfigPath}",
            $"--Webhook:ConfigNamespace={ConfigNamespace}",
        ]);
        var registered = await RegisterAsync();
        if (!registered.Succeeded)
        {
            throw new InvalidOperationException($"hack/webhook-register.sh failed:\n{registered}");
        }
    }

    /// <summary>Runs the registration script against this process's API server.</summary>
    public Task<CommandResult> RegisterAsync() =>
        ProcessRunner.RunAsync("bash",
            [RepositoryPaths.InRoot("hack", "webhook-register.sh"), "--url", Webhook.TlsUri.ToString(), "--ca-file", CaFile, "--config-namespace", ConfigNamespace],
            new Dictionary<string, string> { ["KUBECONFIG"] = Kubernetes.ControlPlane.KubeconfigPath },
            timeout: TimeSpan.FromMinutes(2));

    public Task<CommandResult> KubectlAsync(params string[] arguments) => Kubernetes.KubectlAsync(arguments);

    public Task<CommandResult> KubectlWithInputAsync(string input, params string[] arguments) => Kubernetes.KubectlWithInputAsync(input, arguments);

    /// <summary>Reads an object with kubectl in the given version (e.g. <c>taskruns.v1.orchestrator.io</c>).</summary>
    public async Task<JsonObject> GetAsync(string resource, string ns, string name)
    {
        var result = await KubectlAsync("get", resource, name, "-n", ns, "-o", "json");
        Assert.True(result.Succeeded, result.ToString());
        return JsonNode.Parse(result.StandardOutput)!.AsObject();
    }

    public async Task<bool> ExistsAsync(string resource, string ns, string name)
    {
        var result = await KubectlAsync("get", resource, name, "-n", ns, "--ignore-not-found", "-o", "name");
        Assert.True(result.Succeeded, result.ToString());
        return result.StandardOutput.Trim().Length > 0;
    }

    public async Task DisposeAsync()
    {
        if (webhook is not null)
        {
            await webhook.DisposeAsync();
        }

        await Kubernetes.DisposeAsync();
    }

    public void Dispose()
    {
        ca.Dispose();
        certificates.Dispose();
    }
}

[CollectionDefinition(Name)]
public sealed class WebhookTests : ICollectionFixture<WebhookFixture>
{
    /// <summary>One collection: the tests share one webhook and its live config, so they run one at a time.</summary>
    public const string Name = "webhook";
}
