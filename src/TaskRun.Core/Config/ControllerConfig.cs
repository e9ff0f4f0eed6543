using System.Text.Json.Serialization;

namespace TaskRun.Core.Config;

/// <summary>
/// The controller config (<c>config.yaml</c> in the <c>taskrun-controller-config</c> ConfigMap). Every key is
/// optional; a missing key takes the default written here, which is also the built-in config used when the
/// ConfigMap does not exist. The JSON Schema in <c>taskrun-controller-config.schema.json</c> states the same keys.
/// </summary>
public sealed record ControllerConfig
{
    public const string ConfigMapName = "taskrun-controller-config";
    public const string DataKey = "config.yaml";

    /// <summary>
    /// The label (value "true") that selects the config for the config webhook (its objectSelector), so the
    /// webhook sees this one ConfigMap and a webhook outage never blocks the namespace's other ConfigMaps.
    /// </summary>
    public const string SelectorLabel = "orchestrator.io/controller-config";

    public static ControllerConfig Default { get; } = new();

    public JobConfig Job { get; init; } = new();
    public AgentConfig Agent { get; init; } = new();
    public InitContainerConfig InitContainer { get; init; } = new();
    public SecretsConfig Secrets { get; init; } = new();
    public RetryConfig Retry { get; init; } = new();
    public LimitsConfig Limits { get; init; } = new();
    public WorkspaceConfig Workspace { get; init; } = new();
    public TelemetryConfig Telemetry { get; init; } = new();
    public NotificationsConfig Notifications { get; init; } = new();
    public SchedulingConfig Scheduling { get; init; } = new();
}

public sealed record JobConfig
{
    /// <summary>Pod retries inside one run (the Job's own backoffLimit).</summary>
    public int BackoffLimit { get; init; } = 3;
    public int ActiveDeadlineSeconds { get; init; } = 3600;
    public int TtlSecondsAfterFinished { get; init; } = 86400;
}

public sealed record AgentConfig
{
    public string Image { get; init; } = "ghcr.io/5dlabs/platform/claude-code:latest";

    /// <summary>
    /// The agent CLI and its leading arguments. The product's entry script runs it headless: it appends print
    /// mode with the product's prompt, JSON output, the permission mode, --max-turns and --resume (docs/agent.md).
    /// </summary>
    public IReadOnlyList<string> Command { get; init; } = ["claude"];
    public IReadOnlyList<string> Args { get; init; } = [];

    /// <summary>The CLI's --permission-mode. acceptEdits: file edits without asking, no arbitrary shell commands.</summary>
    public string PermissionMode { get; init; } = "acceptEdits";

    /// <summary>ANTHROPIC_BASE_URL for the agent (a gateway or proxy); null leaves the CLI's own default.</summary>
    public string? ApiBaseUrl { get; init; }

    /// <summary>Whether a run continues the previous run's conversation when its state survived on the workspace volume.</summary>
    public bool ContinueConversation { get; init; } = true;
    public ResourcesConfig Resources { get; init; } = new();

    /// <summary>
    /// Whether a TaskRun's spec.agent may replace the image and resources. Off by default: an override image
    /// runs with the API key, so an admin must opt in and say which images (<see cref="AllowedImages"/>).
    /// </summary>
    public bool AllowOverrides { get; init; }

    /// <summary>Images a TaskRun may choose when overrides are allowed: exact references or prefixes ending in /*, :* or @*. Empty: none.</summary>
    public IReadOnlyList<string> AllowedImages { get; init; } = [];

    /// <summary>The most a TaskRun's override may request or limit, per resource; a resource not listed may not be set.</summary>
    public IReadOnlyDictionary<string, string> MaxResources { get; init; } = new Dictionary<string, string> { ["cpu"] = "4", ["memory"] = "16Gi" };
}

/// <summary>The permission modes of the Claude Code CLI a Job may run with.</summary>
public static class AgentPermissionModes
{
    public static readonly IReadOnlyList<string> All = ["acceptEdits", "auto", "bypassPermissions", "dontAsk", "plan"];
}

public sealed record ResourcesConfig
{
    public IReadOnlyDictionary<string, string> Requests { get; init; } = new Dictionary<string, string> { ["cpu"] = "1", ["memory"] = "2Gi" };
    public IReadOnlyDictionary<string, string> Limits { get; init; } = new Dictionary<string, string> { ["cpu"] = "2", ["memory"] = "4Gi" };
}

public sealed record InitContainerConfig
{
    public string Image { get; init; } = "busybox:1.36";

    /// <summary>
    /// Small, with limits: a namespace whose ResourceQuota or LimitRange requires limits refuses a Pod with any
    /// container lacking them. The init container only copies the run's files (at most about 1 MiB).
    /// </summary>
    public InitContainerResourcesConfig Resources { get; init; } = new();
}

/// <summary>The init container's resources; same shape as the agent's, smaller defaults.</summary>
public sealed record InitContainerResourcesConfig
{
    public IReadOnlyDictionary<string, string> Requests { get; init; } = new Dictionary<string, string> { ["cpu"] = "50m", ["memory"] = "32Mi" };
    public IReadOnlyDictionary<string, string> Limits { get; init; } = new Dictionary<string, string> { ["cpu"] = "200m", ["memory"] = "64Mi" };
}

public sealed record SecretsConfig
{
    /// <summary>The Secret the agent's API key is read from, by reference only.</summary>
    public string Name { get; init; } = "orchestrator-secrets";
    public string ApiKeyKey { get; init; } = "ANTHROPIC_API_KEY";
}

public sealed record RetryConfig
{
    public const string BackoffLimitExceeded = "BackoffLimitExceeded";
    public const string DeadlineExceeded = "DeadlineExceeded";
    public static readonly IReadOnlyList<string> KnownReasons = [BackoffLimitExceeded, DeadlineExceeded];

    public int MaxRetries { get; init; } = 3;
    public int BaseDelaySeconds { get; init; } = 10;
    public int MaxDelaySeconds { get; init; } = 300;
    public IReadOnlyList<string> RetryOn { get; init; } = [BackoffLimitExceeded, DeadlineExceeded];
}

public sealed record LimitsConfig
{
    public long MaxFileBytes { get; init; } = Api.SpecLimits.DefaultMaxFileBytes;
}

public sealed record WorkspaceConfig
{
    /// <summary>Create the service's workspace PVC when it is missing (it is never deleted by the controller).</summary>
    public bool CreatePvc { get; init; } = true;
    public string StorageSize { get; init; } = "10Gi";

    /// <summary>Null uses the cluster's default storage class.</summary>
    public string? StorageClassName { get; init; }
    public string AccessMode { get; init; } = "ReadWriteOnce";
}

/// <summary>
/// Where traces go: the agent's (as OTEL_* variables) and, unless their own OTEL_* variables say otherwise, the
/// controller's and the webhook's (README, "Tracing").
/// </summary>
public sealed record TelemetryConfig
{
    public const string Grpc = "grpc";
    public const string HttpProtobuf = "http/protobuf";

    public bool Enabled { get; init; } = true;
    public string? OtlpEndpoint { get; init; } = "otel-collector-opentelemetry-collector.telemetry.svc.cluster.local:4317";

    /// <summary>OTLP transport: <c>grpc</c> (port 4317 by convention) or <c>http/protobuf</c> (4318, posted to /v1/traces).</summary>
    public string Protocol { get; init; } = Grpc;
}

/// <summary>CloudEvents sent on every TaskRun phase transition; no sinks (the default) means none are sent.</summary>
public sealed record NotificationsConfig
{
    /// <summary>The event types a sink may filter on: <c>io.orchestrator.taskrun.</c> plus one of these.</summary>
    public static readonly IReadOnlyList<string> Types = ["queued", "pending", "waiting", "running", "succeeded", "failed"];

    public IReadOnlyList<NotificationSink> Sinks { get; init; } = [];

    /// <summary>Delivery attempts per sink and transition (the first included) before giving up on it.</summary>
    public int MaxAttempts { get; init; } = 8;

    /// <summary>How long one POST may take before it counts as failed and is retried.</summary>
    public int TimeoutSeconds { get; init; } = 10;

    /// <summary>The first retry delay; doubled per attempt (with jitter) up to <see cref="MaxDelaySeconds"/>.</summary>
    public int BaseDelayMilliseconds { get; init; } = 500;
    public int MaxDelaySeconds { get; init; } = 60;
}

public sealed record NotificationSink
{
    /// <summary>An http or https URL the CloudEvents are POSTed to.</summary>
    public string Url { get; init; } = "";

    /// <summary>The phases (lower case) this sink wants; null or empty means all.</summary>
    public IReadOnlyList<string>? Types { get; init; }

    public bool Wants(string phase) => Types is not { Count: > 0 } || Types.Contains(phase.ToLowerInvariant());
}

/// <summary>How many runs may be active at once, and the PriorityClass of each priority's Pods (docs/scheduling.md).</summary>
public sealed record SchedulingConfig
{
    /// <summary>Runs (unfinished Jobs) active at once in the watched namespaces; 0 is unlimited.</summary>
    public int MaxActiveRuns { get; init; }

    /// <summary>Runs active at once in one namespace; 0 is unlimited.</summary>
    public int MaxActiveRunsPerNamespace { get; init; }

    /// <summary>spec.priority (low, medium, high, critical) → the run Pod's priorityClassName; a missing entry sets none.</summary>
    public IReadOnlyDictionary<string, string> PriorityClassNames { get; init; } = new Dictionary<string, string>();

    public bool IsLimited => MaxActiveRuns > 0 || MaxActiveRunsPerNamespace > 0;
}

/// <summary>A problem with one config key, e.g. <c>job.backoffLimit</c>.</summary>
public sealed record ConfigError(string Key, string Message)
{
    public override string ToString() => $"{Key}: {Message}";
}

/// <summary>Either a usable config or every error found in it.</summary>
public sealed record ConfigParseResult(ControllerConfig? Config, IReadOnlyList<ConfigError> Errors)
{
    [JsonIgnore]
    public bool IsValid => Config is not null && Errors.Count == 0;

    public string Summary() => string.Join("; ", Errors.Select(e => e.ToString()));
}
