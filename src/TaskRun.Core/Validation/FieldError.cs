namespace TaskRun.Core.Validation;

/// <summary>What kind of problem a field has; maps to Kubernetes' StatusCause reasons.</summary>
public enum FieldErrorType
{
    Required,
    Invalid,
    NotSupported,
    Duplicate,
    TooLong,
    Forbidden,
}

/// <summary>One problem with one field: its path (e.g. <c>spec.files[2].name</c>) and what to do about it.</summary>
public sealed record FieldError(string Field, FieldErrorType Type, string Message)
{
    /// <summary>The reason Kubernetes uses for this kind of error in <c>details.causes[].reason</c>.</summary>
    public string Reason => Type switch
    {
        FieldErrorType.Required => "FieldValueRequired",
        FieldErrorType.NotSupported => "FieldValueNotSupported",
        FieldErrorType.Duplicate => "FieldValueDuplicate",
        FieldErrorType.TooLong => "FieldValueTooLong",
        FieldErrorType.Forbidden => "FieldValueForbidden",
        _ => "FieldValueInvalid",
    };

    public override string ToString() => $"{Field}: {Message}";
}

/// <summary>Every error found (never just the first) plus warnings worth telling the user.</summary>
public sealed record ValidationResult(IReadOnlyList<FieldError> Errors, IReadOnlyList<string> Warnings)
{
    public bool IsValid => Errors.Count == 0;

    /// <summary>All errors on one line each, for a status message or an admission denial.</summary>
    public string Summary() => string.Join("; ", Errors.Select(e => e.ToString()));
}

/// <summary>The parts of the controller config that validation depends on.</summary>
public sealed record ValidationPolicy(long MaxFileBytes, bool AllowAgentOverrides)
{
    /// <summary>The policy of the built-in config: no agent overrides.</summary>
    public static ValidationPolicy Default { get; } = From(Config.ControllerConfig.Default);

    /// <summary>The agent section: the default image, allowed images and the resource bounds of an override.</summary>
    public Config.AgentConfig Agent { get; init; } = Config.ControllerConfig.Default.Agent;

    public static ValidationPolicy From(Config.ControllerConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        return new(config.Limits.MaxFileBytes, config.Agent.AllowOverrides) { Agent = config.Agent };
    }
}
