using k8s;
using Xunit;

namespace TaskRun.Runtime.Tests;

/// <summary>
/// The native-AOT controller's kubeconfig reader against KubernetesClient's own (which the JIT build uses): the
/// same file gives the same client configuration.
/// </summary>
public sealed class KubeconfigFileTests : IDisposable
{
    private const string Kubeconfig = """
        apiVersion: v1
        kind: Config
        current-context: second
        preferences: {}
        clusters:
        - name: one
          cluster:
            server: https://10.0.0.1:6443
            insecure-skip-tls-verify: true
        - name: two
          cluster:
            server: https://127.0.0.1:45678
            insecure-skip-tls-verify: true
            tls-server-name: kubernetes.default
        users:
        - name: alice
          user:
            token: alice-token
        - name: bob
          user:
            token: bob-token
        contexts:
        - name: first
          context: {cluster: one, user: alice}
        - name: second
          context: {cluster: two, user: bob, namespace: team-a}
        """;

    private readonly string directory = Directory.CreateTempSubdirectory("kubeconfig-").FullName;

    [Fact]
    public void The_current_context_reads_as_KubernetesClient_reads_it()
    {
        var path = Path.Combine(directory, "config");
        File.WriteAllText(path, Kubeconfig);

        var expected = KubernetesClientConfiguration.BuildConfigFromConfigFile(path);
        var actual = KubeconfigFile.Load(path);

        Assert.StartsWith("https://127.0.0.1:45678", actual.Host, StringComparison.Ordinal);
        Assert.Equal(expected.Host, actual.Host);
        Assert.Equal(expected.Namespace, actual.Namespace);
        Assert.Equal(expected.AccessToken, actual.AccessToken);
        Assert.Equal("bob-token", actual.AccessToken);
        Assert.Equal(expected.SkipTlsVerify, actual.SkipTlsVerify);
        Assert.Equal(expected.TlsServerName, actual.TlsServerName);
        Assert.Equal(expected.CurrentContext, actual.CurrentContext);
    }

    public void Dispose() => Directory.Delete(directory, recursive: true);
}
