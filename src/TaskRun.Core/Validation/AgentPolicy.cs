using System.Globalization;
using k8s.Models;
using TaskRun.Core.Api;
using TaskRun.Core.Config;

namespace TaskRun.Core.Validation;

/// <summary>
/// What a TaskRun's <c>spec.agent</c> may change, shared by the webhook (refuses) and the controller (re-checks,
/// and builds the Job): an image only from <c>agent.allowedImages</c>, resources only those listed in
/// <c>agent.maxResources</c> and within them. An override's resources are laid over the config's, key by key,
/// so leaving a limit out keeps the config's limit instead of removing it.
/// </summary>
public static class AgentPolicy
{
    /// <summary>The config's own image is always allowed; another only when overrides are on and it matches an allowed pattern.</summary>
    public static bool IsImageAllowed(AgentConfig agent, string image)
    {
        ArgumentNullException.ThrowIfNull(agent);
        return image == agent.Image || (agent.AllowOverrides && ImageReferences.IsAllowed(image, agent.AllowedImages));
    }

    /// <summary>The image the Job runs: the override's when overrides are on, else the config's.</summary>
    public static string Image(AgentConfig agent, AgentOverride? overrides) =>
        (agent ?? throw new ArgumentNullException(nameof(agent))).AllowOverrides && overrides?.Image is { } image ? image : agent.Image;

    /// <summary>The config's requests and limits with the override's values laid over them, key by key.</summary>
    public static (Dictionary<string, string> Requests, Dictionary<string, string> Limits) Resources(AgentConfig agent, AgentOverride? overrides)
    {
        ArgumentNullException.ThrowIfNull(agent);
        var requests = agent.Resources.Requests.ToDictionary(r => r.Key, r => r.Value, StringComparer.Ordinal);
        var limits = agent.Resources.Limits.ToDictionary(r => r.Key, r => r.Value, StringComparer.Ordinal);
        if (agent.AllowOverrides && overrides?.Resources is { } resources)
        {
            Overlay(requests, resources.Requests);
            Overlay(limits, resources.Limits);
        }

        return (requests, limits);
    }

    /// <summary>Every way <paramref name="overrides"/> breaks the policy, with the rule and the allowed values.</summary>
    public static IEnumerable<FieldError> Check(AgentConfig agent, AgentOverride overrides)
    {
        ArgumentNullException.ThrowIfNull(agent);
        ArgumentNullException.ThrowIfNull(overrides);
        if (overrides.Image is { } image)
        {
            if (!ImageReferences.IsValid(image))
            {
                yield return new("spec.agent.image", FieldErrorType.Invalid,
                    $"image \"{Printable(image)}\" is not an OCI image reference: write [registry[:port]/]path[:tag][@digest], e.g. \"ghcr.io/org/agent:1.2\"");
            }
            else if (!IsImageAllowed(agent, image))
            {
                yield return new("spec.agent.image", FieldErrorType.Forbidden,
                    $"image \"{image}\" is not allowed by the cluster's config (agent.allowedImages: {Listed(agent.AllowedImages)}); use an allowed image or leave spec.agent.image out to run {agent.Image}");
            }
        }

        foreach (var (list, quantities) in new[] { ("requests", overrides.Resources?.Requests), ("limits", overrides.Resources?.Limits) })
        {
            foreach (var (name, quantity) in quantities ?? new Dictionary<string, ResourceQuantity>())
            {
                var path = $"spec.agent.resources.{list}.{name}";
                var text = quantity?.ToString();
                if (!agent.MaxResources.TryGetValue(name, out var max))
                {
                    yield return new(path, FieldErrorType.Forbidden,
                        $"resource \"{Printable(name)}\" may not be set: agent.maxResources lists only {Listed(agent.MaxResources.Keys)}");
                }
                else if (ResourceQuantities.Problem(name, text) is { } problem)
                {
                    yield return new(path, FieldErrorType.Invalid, problem);
                }
                else if (ResourceQuantities.TryRead(text, out var value) && ResourceQuantities.TryRead(max, out var bound) && value > bound)
                {
                    yield return new(path, FieldErrorType.Invalid,
                        string.Create(CultureInfo.InvariantCulture, $"{list} {name} {text} is above agent.maxResources.{name} ({max}); ask for {max} or less"));
                }
            }
        }

        var (requests, limits) = Resources(agent with { AllowOverrides = true }, overrides);
        foreach (var (name, request) in requests)
        {
            if (limits.TryGetValue(name, out var limit) && ResourceQuantities.TryRead(request, out var r) && ResourceQuantities.TryRead(limit, out var l) && r > l)
            {
                yield return new($"spec.agent.resources.requests.{name}", FieldErrorType.Invalid,
                    $"request {name} {request} is above its limit {limit} (the limit comes from the config unless spec.agent.resources.limits sets it); a request may not exceed its limit");
            }
        }
    }

    private static void Overlay(Dictionary<string, string> target, IDictionary<string, ResourceQuantity>? values)
    {
        foreach (var (name, quantity) in values ?? new Dictionary<string, ResourceQuantity>())
        {
            if (quantity?.ToString() is { } text)
            {
                target[name] = text;
            }
        }
    }

    private static string Listed(IEnumerable<string> values) => values.Any() ? "[" + string.Join(", ", values) + "]" : "[] (none)";

    private static string Printable(string value) =>
        new((value.Length > 64 ? value[..64] + "…" : value).Select(c => char.IsControl(c) ? '?' : c).ToArray());
}
