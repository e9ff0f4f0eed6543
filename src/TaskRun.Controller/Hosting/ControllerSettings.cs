using Microsoft.Extensions.Options;
using TaskRun.Runtime.Leadership;

namespace TaskRun.Controller.Hosting;

/// <summary>Process settings (from appsettings, environment variables <c>Controller__*</c> or arguments).</summary>
public sealed class ControllerSettings
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

    public int Workers { get; set; } = new Runtime.ControllerOptions().Workers;

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

/// <summary>Checks the settings when the host starts (ValidateOnStart): every problem at once, before anything runs.</summary>
public sealed class ControllerSettingsValidator : IValidateOptions<ControllerSettings>
{
    public ValidateOptionsResult Validate(string? name, ControllerSettings options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();
        try
        {
            options.LeaderElection.Validate();
        }
        catch (InvalidOperationException e)
        {
            errors.Add($"Controller:{e.Message}");
        }

        if (options.Workers is < 1 or > 256)
        {
            errors.Add($"Controller:Workers is {options.Workers}; it must be between 1 and 256");
        }

        foreach (var ns in options.Namespaces() ?? [])
        {
            if (!Core.Validation.KubernetesNames.IsDns1123Label(ns))
            {
                errors.Add($"Controller:WatchNamespaces holds \"{ns}\", which is not a namespace name (a DNS-1123 label); give a comma-separated list such as team-a,team-b");
            }
        }

        if (string.IsNullOrWhiteSpace(options.SystemNamespace))
        {
            errors.Add("Controller:SystemNamespace is required (it holds the config ConfigMap and the leader Lease)");
        }

        if (options.MetricsPort is < 1 or > 65535)
        {
            errors.Add($"Controller:MetricsPort is {options.MetricsPort}; it must be a TCP port");
        }

        if (!System.Net.IPAddress.TryParse(options.MetricsBindAddress, out _))
        {
            errors.Add($"Controller:MetricsBindAddress is \"{options.MetricsBindAddress}\"; it must be an IP address such as 0.0.0.0 (every interface), 127.0.0.1 or ::");
        }

        if (options.Kubeconfig is { Length: > 0 } kubeconfig && !File.Exists(kubeconfig))
        {
            errors.Add($"Controller:Kubeconfig \"{kubeconfig}\" does not exist");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
