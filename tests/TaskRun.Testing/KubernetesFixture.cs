using k8s;
using k8s.Models;
using Xunit;

namespace TaskRun.Testing;

/// <summary>
/// What an integration test gets: a client of the real test API server with the TaskRun CRD installed
/// and Established, and a fresh namespace per call of <see cref="CreateNamespaceAsync"/>.
/// </summary>
public sealed class KubernetesFixture : IAsyncLifetime
{
    private static readonly SemaphoreSlim CrdLock = new(1, 1);
    private static bool crdInstalled;

    public ControlPlane ControlPlane { get; private set; } = null!;

    public IKubernetes Client { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        ControlPlane = await ControlPlane.Shared;
        Client = ControlPlane.CreateClient();
        await EnsureCrdAsync();
    }

    public Task DisposeAsync()
    {
        Client?.Dispose();
        return Task.CompletedTask;
    }

    /// <summary>A namespace of the test's own, so tests never see each other's objects.</summary>
    public async Task<string> CreateNamespaceAsync(string prefix = "test")
    {
        var name = $"{prefix}-{Guid.NewGuid().ToString("N")[..10]}";
        await Client.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = name } });
        return name;
    }

    /// <summary>Runs kubectl against the test API server.</summary>
    public Task<CommandResult> KubectlAsync(params string[] arguments) => KubectlWithInputAsync(null, arguments);

    public Task<CommandResult> KubectlWithInputAsync(string? standardInput, params string[] arguments) =>
        ProcessRunner.RunAsync("kubectl", arguments,
            new Dictionary<string, string> { ["KUBECONFIG"] = ControlPlane.KubeconfigPath },
            standardInput);

    private async Task EnsureCrdAsync()
    {
        await CrdLock.WaitAsync();
        try
        {
            if (!crdInstalled)
            {
                await CrdInstaller.ApplyAsync(Client, CrdInstaller.Load(RepositoryPaths.CrdFile), TimeSpan.FromSeconds(60));
                crdInstalled = true;
            }
        }
        finally
        {
            CrdLock.Release();
        }
    }
}
