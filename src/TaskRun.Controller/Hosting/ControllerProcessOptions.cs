using TaskRun.Runtime.Leadership;

namespace TaskRun.Controller.Hosting;

/// <summary>
/// The controller process's own settings (appsettings, environment variables <c>Controller__*</c> or arguments),
/// as opposed to <see cref="Core.Config.ControllerConfig"/>, the cluster admin's config in the ConfigMap.
/// </summary>
public sealed class ControllerProcessOptions
{
    public const string Section = "Controller";

    /// <summary>Namespace of the config ConfigMap (and later the leader Lease).</summary>
    public string SystemNamespace { get; set; } = "orchestrator";

    /// <summary>One namespace to watch; empty (with <see cref="WatchNamespaces"/> empty) watches every namespace.</summary>
    public string? WatchNamespace { get; set; }

    /// <summary>
    /// A comma-separated list of namespaces to watch (with <see cref="WatchNamespace"/>, if set), for a controller
    /// bound by Roles in those namespaces only (deploy/overlays/namespaced). Empty: every namespace.
    /// </summary>
    public string? WatchNamespaces { get; set; }

    /// <summary>The namespaces to watch, or null for all of them.</summary>
    public IReadOnlyList<string>? Namespaces()
    {
        var listed = (WatchNamespaces ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Append(WatchNamespace?.Trim() ?? "")
            .Where(n => n.Length > 0)
            .Distinct(StringComparer.Ordinal)
            .ToList();
        return listed.Count == 0 ? null : listed;
    }

    public int Workers { get; set; } = new Runtime.TaskRunControllerOptions().Workers;

    /// <summary>Plain-HTTP port for /metrics, /healthz and /readyz.</summary>
    public int MetricsPort { get; set; } = 8080;

    /// <summary>The IP address that port binds: every interface by default (kubelet probes and Prometheus use the Pod IP).</summary>
    public string MetricsBindAddress { get; set; } = "0.0.0.0";

    /// <summary>The URL Kestrel listens on, IPv6 addresses in brackets.</summary>
    public string MetricsUrl => System.Net.IPAddress.Parse(MetricsBindAddress).AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6
        ? $"http://[{MetricsBindAddress}]:{MetricsPort}"
        : $"http://{MetricsBindAddress}:{MetricsPort}";

    /// <summary>A kubeconfig file; none means $KUBECONFIG, else the in-cluster service account.</summary>
    public string? Kubeconfig { get; set; }

    public LeaderElectionSettings LeaderElection { get; set; } = new() { LeaseName = "taskrun-controller-leader" };
}
