using TaskRun.Core.Config;
using TaskRun.Core.Validation;

namespace TaskRun.Webhook.Config;

/// <summary>The controller config the handlers use now, and the validation policy derived from it.</summary>
internal interface ILiveConfig
{
    ControllerConfig Current { get; }

    ValidationPolicy Policy { get; }

    ConfigOrigin Origin { get; }

    /// <summary>The namespace whose <c>taskrun-controller-config</c> is the config (the system namespace).</summary>
    string Namespace { get; }

    /// <summary>Why the stored config is invalid with no good one known (TaskRun admission fails closed), or null.</summary>
    string? BlockedReason => null;
}
