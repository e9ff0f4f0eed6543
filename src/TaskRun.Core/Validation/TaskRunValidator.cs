using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using k8s.Models;
using TaskRun.Core.Api;
using TaskRun.Core.Payload;

namespace TaskRun.Core.Validation;

/// <summary>
/// Checks a v2 TaskRun on create and update. Returns every error with its field
/// path and a message that says what is wrong, the limit, and what to do. The webhook calls it on
/// admission; the controller calls it again before acting, since the webhook may have been bypassed.
/// </summary>
public static partial class TaskRunValidator
{
    /// <summary>Above this share of a limit the user gets a warning.</summary>
    private const double WarnAtShareOfLimit = 0.9;

    public static ValidationResult ValidateCreate(V2TaskRun taskRun, ValidationPolicy policy) => Validate(taskRun, null, policy);

    public static ValidationResult ValidateUpdate(V2TaskRun taskRun, V2TaskRun oldTaskRun, ValidationPolicy policy) =>
        Validate(taskRun, oldTaskRun ?? throw new ArgumentNullException(nameof(oldTaskRun)), policy);

    private static ValidationResult Validate(V2TaskRun taskRun, V2TaskRun? old, ValidationPolicy policy)
    {
        ArgumentNullException.ThrowIfNull(taskRun);
        ArgumentNullException.ThrowIfNull(policy);
        var errors = new List<FieldError>();
        var warnings = new List<string>();
        var spec = taskRun.Spec;
        if (spec is null)
        {
            errors.Add(new("spec", FieldErrorType.Required, "a TaskRun needs a spec with taskId, serviceName and files"));
            return new(errors, warnings);
        }

        ValidateMetadata(taskRun.Metadata, errors);
        ValidateIdentity(spec, errors);
        ValidateFiles(spec.Files, policy, errors, warnings);
        ValidateRetryAndTimeout(spec, errors);
        ValidateAgent(spec.Agent, policy, errors);
        ValidateDependsOn(taskRun.Metadata?.Name, spec.DependsOn, errors);
        if (old?.Spec is not null)
        {
            ValidateUpdateRules(spec, old.Spec, errors);
        }

        if (errors.Count == 0)
        {
            CheckConfigMapBudget(taskRun, errors, warnings);
        }

        return new(errors, warnings);
    }

    private static void ValidateMetadata(V1ObjectMeta? metadata, List<FieldError> errors)
    {
        if (metadata?.Annotations?.TryGetValue(TaskRunApi.V2SpecAnnotation, out var text) != true)
        {
            return;
        }

        var field = $"metadata.annotations[{TaskRunApi.V2SpecAnnotation}]";
        var allowed = string.Join(", ", Conversion.V2SpecAnnotation.AllowedKeys);
        var refused = Conversion.V2SpecAnnotation.Parse(text) is { } content ? Conversion.V2SpecAnnotation.RefusedKeys(content) : null;
        if (refused is { Count: > 0 })
        {
            errors.Add(new(field, FieldErrorType.Forbidden,
                $"the annotation holds {string.Join(", ", refused.Select(k => Printable(k)))}, which it may not carry: in v1 taskId, serviceName, priority, markdownFiles and retryAttempt are written in spec, and the annotation carries only the v2-only fields ({allowed}); remove those keys"));
        }
        else
        {
            errors.Add(new(field, FieldErrorType.Forbidden,
                $"this annotation is reserved for v1↔v2 conversion and may carry only {allowed} of a v1 object; remove it and set the v2 fields in spec directly"));
        }
    }

    private static void ValidateIdentity(V2TaskRunSpec spec, List<FieldError> errors)
    {
        if (spec.TaskId is null)
        {
            errors.Add(new("spec.taskId", FieldErrorType.Required, "taskId is required: the numeric id of the task, 1 or more"));
        }
        else if (spec.TaskId < SpecLimits.MinTaskId)
        {
            errors.Add(new("spec.taskId", FieldErrorType.Invalid, $"taskId is {spec.TaskId}; it must be {SpecLimits.MinTaskId} or more"));
        }

        if (string.IsNullOrEmpty(spec.ServiceName))
        {
            errors.Add(new("spec.serviceName", FieldErrorType.Required,
                "serviceName is required: a DNS-1123 label such as \"auth-service\" (lower-case letters, digits and '-')"));
        }
        else if (spec.ServiceName.Length > SpecLimits.MaxServiceNameLength)
        {
            errors.Add(new("spec.serviceName", FieldErrorType.TooLong,
                $"serviceName is {spec.ServiceName.Length} characters; the limit is {SpecLimits.MaxServiceNameLength} (a DNS-1123 label): use a shorter name"));
        }
        else if (!KubernetesNames.IsDns1123Label(spec.ServiceName))
        {
            errors.Add(new("spec.serviceName", FieldErrorType.Invalid,
                $"serviceName \"{Printable(spec.ServiceName)}\" is not a DNS-1123 label: use only lower-case letters, digits and '-', starting and ending with a letter or digit (e.g. \"auth-service\"); it names the workspace directory and PVC"));
        }

        if (spec.Priority is not null && !Priorities.All.Contains(spec.Priority))
        {
            errors.Add(new("spec.priority", FieldErrorType.NotSupported,
                $"priority \"{Printable(spec.Priority)}\" is not supported; use one of {string.Join(", ", Priorities.All)} (default {Priorities.Default})"));
        }
    }

    private static void ValidateFiles(List<TaskFile>? files, ValidationPolicy policy, List<FieldError> errors, List<string> warnings)
    {
        if (files is null || files.Count == 0)
        {
            errors.Add(new("spec.files", FieldErrorType.Required, "at least one markdown file is required (e.g. task.md with the task description)"));
            return;
        }

        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < files.Count; i++)
        {
            var path = $"spec.files[{i}]";
            var file = files[i];
            if (file is null)
            {
                errors.Add(new(path, FieldErrorType.Required, "a file entry must have a name and content"));
                continue;
            }

            ValidateFileName(file.Name, path + ".name", errors);
            if (file.Name is not null)
            {
                if (seen.TryGetValue(file.Name, out var first))
                {
                    errors.Add(new(path + ".name", FieldErrorType.Duplicate,
                        $"file name \"{Printable(file.Name)}\" is already used by spec.files[{first}]; file names must be unique"));
                }
                else
                {
                    seen[file.Name] = i;
                }
            }

            if (file.Type is not null && !FileTypes.All.Contains(file.Type))
            {
                errors.Add(new(path + ".type", FieldErrorType.NotSupported,
                    $"file type \"{Printable(file.Type)}\" is not supported; use one of {string.Join(", ", FileTypes.All)}, or leave it out to infer it from the name"));
            }

            if (file.ContentBytes() is not { } bytes)
            {
                errors.Add(new(path + ".content", FieldErrorType.Required, "content is required (it may be empty)"));
                continue;
            }

            if (bytes > policy.MaxFileBytes)
            {
                errors.Add(new(path + ".content", FieldErrorType.TooLong,
                    $"file \"{Printable(file.Name)}\" is {Bytes(bytes)} in UTF-8, over the limit of {Bytes(policy.MaxFileBytes)} (limits.maxFileBytes) by {Bytes(bytes - policy.MaxFileBytes)}; split the file or keep it outside the TaskRun"));
            }
            else if (bytes > policy.MaxFileBytes * WarnAtShareOfLimit)
            {
                warnings.Add($"{path}.content: file \"{file.Name}\" is {Bytes(bytes)}, close to the limit of {Bytes(policy.MaxFileBytes)}");
            }
        }
    }

    private static void ValidateFileName(string? name, string path, List<FieldError> errors)
    {
        const string Rule = "a file name must start with a letter or digit, use only letters, digits, '.', '_' and '-', contain no '/' or '..', and end in \".md\" (e.g. \"design-spec.md\")";
        if (string.IsNullOrEmpty(name))
        {
            errors.Add(new(path, FieldErrorType.Required, "file name is required; " + Rule));
        }
        else if (SpecLimits.ReservedFileNames.Contains(name, StringComparer.OrdinalIgnoreCase))
        {
            errors.Add(new(path, FieldErrorType.Forbidden,
                $"file name \"{name}\" is reserved: the controller generates {string.Join(" and ", SpecLimits.ReservedFileNames)} for every run; rename the file"));
        }
        else if (name.Length > SpecLimits.MaxFileNameLength)
        {
            errors.Add(new(path, FieldErrorType.TooLong, $"file name is {name.Length} characters; the limit is {SpecLimits.MaxFileNameLength}: use a shorter name"));
        }
        else if (!WholeMatch.Of(FileNameRegex(), name) || name.Contains("..", StringComparison.Ordinal))
        {
            errors.Add(new(path, FieldErrorType.Invalid, $"file name \"{Printable(name)}\" is not allowed: {Rule}"));
        }
    }

    private static void ValidateRetryAndTimeout(V2TaskRunSpec spec, List<FieldError> errors)
    {
        if (spec.Retry?.Attempt is { } attempt && attempt is < SpecLimits.MinAttempt or > SpecLimits.MaxAttempt)
        {
            errors.Add(new("spec.retry.attempt", FieldErrorType.Invalid,
                $"retry.attempt is {attempt}; it must be between {SpecLimits.MinAttempt} and {SpecLimits.MaxAttempt}: raise it by one to start a new run"));
        }

        if (spec.Retry?.MaxRetries is { } maxRetries && maxRetries is < SpecLimits.MinMaxRetries or > SpecLimits.MaxMaxRetries)
        {
            errors.Add(new("spec.retry.maxRetries", FieldErrorType.Invalid,
                $"retry.maxRetries is {maxRetries}; it must be between {SpecLimits.MinMaxRetries} and {SpecLimits.MaxMaxRetries}, or left out to use the config's default"));
        }

        if (spec.TimeoutSeconds is { } timeout && timeout is < SpecLimits.MinTimeoutSeconds or > SpecLimits.MaxTimeoutSeconds)
        {
            errors.Add(new("spec.timeoutSeconds", FieldErrorType.Invalid,
                $"timeoutSeconds is {timeout}; it must be between {SpecLimits.MinTimeoutSeconds} (1 minute) and {SpecLimits.MaxTimeoutSeconds} (7 days), or left out to use the config's job.activeDeadlineSeconds"));
        }
    }

    private static void ValidateAgent(AgentOverride? agent, ValidationPolicy policy, List<FieldError> errors)
    {
        if (agent is null)
        {
            return;
        }

        if (agent.MaxTurns is { } turns && turns is < SpecLimits.MinMaxTurns or > SpecLimits.MaxMaxTurns)
        {
            errors.Add(new("spec.agent.maxTurns", FieldErrorType.Invalid,
                $"maxTurns is {turns}; it must be between {SpecLimits.MinMaxTurns} and {SpecLimits.MaxMaxTurns}, or left out to let the agent decide"));
        }

        if (agent.Image is null && agent.Resources is null)
        {
            return;
        }

        if (!policy.AllowAgentOverrides)
        {
            errors.Add(new("spec.agent", FieldErrorType.Forbidden,
                "agent overrides are disabled by the cluster's config (agent.allowOverrides: false); remove spec.agent.image and spec.agent.resources or ask an admin to allow overrides"));
            return;
        }

        errors.AddRange(AgentPolicy.Check(policy.Agent with { AllowOverrides = true }, agent));
    }

    private static void ValidateDependsOn(string? ownName, List<string>? dependsOn, List<FieldError> errors)
    {
        if (dependsOn is null)
        {
            return;
        }

        if (dependsOn.Count > SpecLimits.MaxDependencies)
        {
            errors.Add(new("spec.dependsOn", FieldErrorType.TooLong,
                $"dependsOn lists {dependsOn.Count} TaskRuns; the limit is {SpecLimits.MaxDependencies}: chain the work through intermediate TaskRuns instead"));
        }

        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < dependsOn.Count; i++)
        {
            var path = $"spec.dependsOn[{i}]";
            var name = dependsOn[i];
            if (string.IsNullOrEmpty(name) || !KubernetesNames.IsDns1123Subdomain(name))
            {
                errors.Add(new(path, FieldErrorType.Invalid,
                    $"\"{Printable(name)}\" is not a TaskRun name: give the metadata.name of a TaskRun in the same namespace (lower-case letters, digits, '-' and '.', at most {SpecLimits.MaxTaskRunNameLength} characters)"));
            }
            else if (seen.TryGetValue(name, out var first))
            {
                errors.Add(new(path, FieldErrorType.Duplicate, $"\"{name}\" is already listed at spec.dependsOn[{first}]; list each dependency once"));
            }
            else if (name == ownName)
            {
                errors.Add(new(path, FieldErrorType.Invalid, $"a TaskRun cannot depend on itself (\"{name}\"); remove it from dependsOn"));
            }

            if (!string.IsNullOrEmpty(name))
            {
                seen.TryAdd(name, i);
            }
        }
    }

    private static void ValidateUpdateRules(V2TaskRunSpec spec, V2TaskRunSpec old, List<FieldError> errors)
    {
        if (old.TaskId is not null && spec.TaskId != old.TaskId)
        {
            errors.Add(new("spec.taskId", FieldErrorType.Forbidden,
                $"taskId is immutable (it was {old.TaskId}); create a new TaskRun for another task"));
        }

        if (old.ServiceName is not null && spec.ServiceName != old.ServiceName)
        {
            errors.Add(new("spec.serviceName", FieldErrorType.Forbidden,
                $"serviceName is immutable (it was \"{old.ServiceName}\"); create a new TaskRun for another service"));
        }

        var oldAttempt = old.Retry?.Attempt ?? SpecLimits.MinAttempt;
        var newAttempt = spec.Retry?.Attempt ?? SpecLimits.MinAttempt;
        if (newAttempt < oldAttempt)
        {
            errors.Add(new("spec.retry.attempt", FieldErrorType.Invalid,
                $"retry.attempt may not decrease (from {oldAttempt} to {newAttempt}); raise it above {oldAttempt} to start a new run"));
        }
    }

    /// <summary>The run's whole ConfigMap must fit the API server's 1 MiB limit, generated files included.</summary>
    private static void CheckConfigMapBudget(V2TaskRun taskRun, List<FieldError> errors, List<string> warnings)
    {
        // retry.attempt is at most SpecLimits.MaxAttempt, so this cannot overflow.
        var largestRun = (taskRun.Spec.Retry?.Attempt ?? SpecLimits.MinAttempt) + SpecLimits.MaxMaxRetries;
        var size = RunPayloadBuilder.SizeBytes(WithPredictableName(taskRun), largestRun);
        if (size > SpecLimits.ConfigMapBudgetBytes)
        {
            errors.Add(new("spec.files", FieldErrorType.TooLong,
                $"the run's ConfigMap would be {Bytes(size)} (the files plus the generated CLAUDE.md and metadata.yaml), over the Kubernetes ConfigMap limit of {Bytes(SpecLimits.ConfigMapBudgetBytes)} by {Bytes(size - SpecLimits.ConfigMapBudgetBytes)}; move content out of the TaskRun or split it across TaskRuns"));
        }
        else if (size > SpecLimits.ConfigMapBudgetBytes * WarnAtShareOfLimit)
        {
            warnings.Add($"spec.files: the run's ConfigMap would be {Bytes(size)}, close to the Kubernetes limit of {Bytes(SpecLimits.ConfigMapBudgetBytes)}");
        }
    }

    /// <summary>With generateName the final name is not known yet; it is the prefix plus 5 characters.</summary>
    private static V2TaskRun WithPredictableName(V2TaskRun taskRun)
    {
        var metadata = taskRun.Metadata;
        if (!string.IsNullOrEmpty(metadata?.Name) || string.IsNullOrEmpty(metadata?.GenerateName))
        {
            return taskRun;
        }

        return new V2TaskRun
        {
            Metadata = new V1ObjectMeta { Name = metadata.GenerateName + "xxxxx", NamespaceProperty = metadata.NamespaceProperty, Uid = metadata.Uid },
            Spec = taskRun.Spec,
        };
    }

    private static string Bytes(long count) =>
        string.Create(CultureInfo.InvariantCulture, $"{count:N0} {(count == 1 ? "byte" : "bytes")}");

    /// <summary>Shows a user's value in a message without letting control characters or huge text through.</summary>
    private static string Printable(string? value)
    {
        if (value is null)
        {
            return "";
        }

        var shown = value.Length > 64 ? value[..64] + "…" : value;
        return new string(shown.Select(c => char.IsControl(c) ? '?' : c).ToArray());
    }

    [GeneratedRegex(SpecLimits.FileNamePattern, RegexOptions.CultureInvariant)]
    private static partial Regex FileNameRegex();
}
