using TaskRun.Core.Config;
using TaskRun.Core.Validation;

namespace TaskRun.Webhook.Config;

/// <summary>The built-in defaults, never changing: the webhook with <c>WatchConfig</c> off.</summary>
internal sealed class StaticConfig(string configNamespace) : ILiveConfig
{
    public ControllerConfig Current => ControllerConfig.Default;

    public ValidationPolicy Policy { get; } = PolicyOf(ControllerConfig.Default);

    public ConfigOrigin Origin => ConfigOrigin.BuiltInDefaults;

    public string Namespace => configNamespace;

    public static ValidationPolicy PolicyOf(ControllerConfig config) => ValidationPolicy.From(config);
}
