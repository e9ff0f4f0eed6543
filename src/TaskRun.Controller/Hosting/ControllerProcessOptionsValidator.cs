using Microsoft.Extensions.Options;

namespace TaskRun.Controller.Hosting;

/// <summary>Checks the settings when the host starts (ValidateOnStart): every problem at once, before anything runs.</summary>
public sealed class ControllerProcessOptionsValidator : IValidateOptions<ControllerProcessOptions>
{
    public ValidateOptionsResult Validate(string? name, ControllerProcessOptions options)
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
