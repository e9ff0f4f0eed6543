using TaskRun.Core.Config;
using TaskRun.Core.Validation;
using TaskRun.Webhook.Config;

namespace TaskRun.Webhook.Tests.Support;

/// <summary>A live config a test sets directly.</summary>
internal sealed class FixedConfig(ControllerConfig? config = null, string ns = "orchestrator") : ILiveConfig
{
    public ControllerConfig Current { get; set; } = config ?? ControllerConfig.Default;

    public ValidationPolicy Policy => StaticConfig.PolicyOf(Current);

    public ConfigOrigin Origin => ConfigOrigin.ConfigMap;

    public string Namespace => ns;

    public string? BlockedReason { get; set; }
}
