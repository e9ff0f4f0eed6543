using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using k8s;

namespace TaskRun.Runtime;

/// <summary>The one way both processes reach the API server, so they find their credentials the same way.</summary>
public static class KubernetesClientFactory
{
    /// <summary>
    /// A client from <paramref name="kubeconfig"/>, else from the first file in <c>$KUBECONFIG</c>, else from the
    /// in-cluster service account; <paramref name="handlers"/> see every request (e.g. to count them).
    /// </summary>
    /// <param name="missingCredentials">What to do when there are none, for the error message.</param>
    public static Kubernetes Create(string? kubeconfig, string missingCredentials, params DelegatingHandler[] handlers) =>
        new(Configuration(kubeconfig) ?? throw new InvalidOperationException($"no Kubernetes credentials: {missingCredentials}"), handlers);

    /// <summary>The client configuration <see cref="Create"/> uses, or null when there are no credentials.</summary>
    public static KubernetesClientConfiguration? Configuration(string? kubeconfig)
    {
        var path = string.IsNullOrEmpty(kubeconfig)
            ? Environment.GetEnvironmentVariable("KUBECONFIG")?.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries).FirstOrDefault()
            : kubeconfig;
        return !string.IsNullOrEmpty(path) ? FromFile(path)
            : KubernetesClientConfiguration.IsInCluster() ? KubernetesClientConfiguration.InClusterConfig()
            : null;
    }

    // Native AOT cannot run KubernetesClient's kubeconfig reader (KubeconfigFile says why); the JIT build keeps it.
    [UnconditionalSuppressMessage("Trimming", "IL2026", Justification = "KubeconfigFile runs only under native AOT, where the kubeconfig models are kept whole (TaskRun.Controller's TrimmerRoots.xml).")]
    [UnconditionalSuppressMessage("AOT", "IL3050", Justification = "KubeconfigFile runs only under native AOT, where the kubeconfig models are kept whole (TaskRun.Controller's TrimmerRoots.xml).")]
    private static KubernetesClientConfiguration FromFile(string path) => RuntimeFeature.IsDynamicCodeSupported
        ? KubernetesClientConfiguration.BuildConfigFromConfigFile(path)
        : KubeconfigFile.Load(path);
}
