namespace TaskRun.Core.Api;

/// <summary>Names the API and the conventions shared by both processes.</summary>
public static class TaskRunApi
{
    public const string Group = "orchestrator.io";
    public const string Kind = "TaskRun";
    public const string ListKind = "TaskRunList";
    public const string Plural = "taskruns";
    public const string Singular = "taskrun";
    public const string ShortName = "otr";
    public const string Category = "orchestrator";
    public const string V1 = "v1";
    public const string V2 = "v2";
    public const string V1ApiVersion = Group + "/" + V1;
    public const string V2ApiVersion = Group + "/" + V2;

    /// <summary>Carries the v2-only spec fields while an object is read or written as v1.</summary>
    public const string V2SpecAnnotation = "orchestrator.io/v2-spec";

    public const string Finalizer = "taskrun.orchestrator.io/cleanup";
    public const string FieldManager = "taskrun-controller";
}

/// <summary>Label keys put on TaskRuns (mirrored from the spec) and on their children.</summary>
public static class TaskRunLabels
{
    public const string TaskId = "task-id";
    public const string Service = "service";
    public const string Priority = "priority";
    public const string TaskRun = "orchestrator.io/taskrun";
    public const string TaskRunUid = "orchestrator.io/taskrun-uid";
    public const string Run = "orchestrator.io/run";
    public const string ManagedBy = "app.kubernetes.io/managed-by";
    public const string ManagedByValue = "taskrun-controller";

    /// <summary>Set to "true" by an admin on a PVC made outside the controller that TaskRuns may mount as a workspace.</summary>
    public const string Workspace = "orchestrator.io/workspace";
}

public static class Priorities
{
    public const string Low = "low";
    public const string Medium = "medium";
    public const string High = "high";
    public const string Critical = "critical";
    public const string Default = Medium;
    public static readonly IReadOnlyList<string> All = [Low, Medium, High, Critical];
}

public static class FileTypes
{
    public const string Task = "task";
    public const string DesignSpec = "design-spec";
    public const string Prompt = "prompt";
    public const string Context = "context";
    public const string AcceptanceCriteria = "acceptance-criteria";
    public static readonly IReadOnlyList<string> All = [Task, DesignSpec, Prompt, Context, AcceptanceCriteria];

    /// <summary>The type a file gets when none is given: by its well-known name, else context.</summary>
    public static string InferFromName(string? fileName) => fileName switch
    {
        "task.md" => Task,
        "design-spec.md" => DesignSpec,
        "prompt.md" => Prompt,
        "acceptance-criteria.md" => AcceptanceCriteria,
        _ => Context,
    };
}

public static class Phases
{
    public const string Pending = "Pending";

    /// <summary>Waiting for a slot under scheduling.maxActiveRuns*: no ConfigMap or Job until admitted.</summary>
    public const string Queued = "Queued";
    /// <summary>Waiting for its spec.dependsOn to succeed: no ConfigMap or Job yet.</summary>
    public const string Waiting = "Waiting";
    public const string Running = "Running";
    public const string Succeeded = "Succeeded";
    public const string Failed = "Failed";
    public static readonly IReadOnlyList<string> All = [Pending, Waiting, Queued, Running, Succeeded, Failed];
}

public static class ConditionTypes
{
    public const string ConfigMapReady = "ConfigMapReady";
    public const string JobCreated = "JobCreated";
    public const string Succeeded = "Succeeded";
    public const string DependenciesReady = "DependenciesReady";

    /// <summary>Mirrors Succeeded, for tools that read a Ready condition (kstatus, Flux, Argo CD).</summary>
    public const string Ready = "Ready";

    /// <summary>Set once a TaskRun has waited in the run queue: False while queued, True once its run was admitted.</summary>
    public const string Scheduled = "Scheduled";
}

/// <summary>Reasons of the Succeeded condition (and of the TaskRun's terminal state).</summary>
public static class ConditionReasons
{
    public const string Running = "Running";
    public const string Succeeded = "Succeeded";
    public const string Failed = "Failed";
    public const string RetryScheduled = "RetryScheduled";
    public const string TimedOut = "TimedOut";
    public const string Cancelled = "Cancelled";
    public const string RetriesExhausted = "RetriesExhausted";
    public const string InvalidSpec = "InvalidSpec";
    public const string Waiting = "Waiting";
    public const string DependenciesSucceeded = "DependenciesSucceeded";
    public const string DependencyFailed = "DependencyFailed";
    public const string DependencyDeleted = "DependencyDeleted";
    public const string DependencyCycle = "DependencyCycle";

    /// <summary>A child's name is taken by an object this TaskRun does not control; nothing was written.</summary>
    public const string NameConflict = "NameConflict";

    /// <summary>The workspace PVC exists but was neither made by the controller nor marked as a workspace by an admin.</summary>
    public const string WorkspaceNotAllowed = "WorkspaceNotAllowed";
    public const string Queued = "Queued";
    public const string Admitted = "Admitted";
}

/// <summary>Bounds the validator enforces; the CRD schema states the same numbers (a test checks).</summary>
public static class SpecLimits
{
    public const long MinTaskId = 1;
    public const int MinAttempt = 1;

    /// <summary>Far below int.MaxValue, so run numbers (attempt plus automatic retries) never overflow.</summary>
    public const int MaxAttempt = 1_000_000;

    /// <summary>
    /// The largest run number the controller starts (a run is at most the attempt or the last run plus one, so
    /// reaching it takes millions of runs); beyond it the TaskRun fails instead of overflowing.
    /// </summary>
    public const int MaxRunNumber = 99_999_999;
    public const int MinMaxRetries = 0;
    public const int MaxMaxRetries = 10;
    public const int MinTimeoutSeconds = 60;
    public const int MaxTimeoutSeconds = 604_800;

    /// <summary>spec.agent.maxTurns: the agent CLI's --max-turns.</summary>
    public const int MinMaxTurns = 1;
    public const int MaxMaxTurns = 10_000;
    public const int MaxServiceNameLength = 63;
    public const int MaxFileNameLength = 253;
    public const int DefaultMaxFileBytes = 1_048_576;
    public const int MaxDependencies = 32;
    public const int MaxTaskRunNameLength = 253;

    /// <summary>A TaskRun name (DNS-1123 subdomain), as spec.dependsOn's items must be.</summary>
    public const string TaskRunNamePattern = @"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$";

    /// <summary>Undelivered notifications kept in status; beyond this the oldest is dropped (and counted).</summary>
    public const int MaxPendingNotifications = 16;

    /// <summary>The API server's limit on a ConfigMap's keys plus values, in bytes.</summary>
    public const int ConfigMapBudgetBytes = 1_048_576;

    public const string ServiceNamePattern = "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$";
    public const string FileNamePattern = @"^[A-Za-z0-9][A-Za-z0-9._-]*\.md$";
    public static readonly IReadOnlyList<string> ReservedFileNames = ["CLAUDE.md", "metadata.yaml"];
}
