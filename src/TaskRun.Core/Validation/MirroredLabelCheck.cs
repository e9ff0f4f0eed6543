using TaskRun.Core.Api;
using TaskRun.Core.Defaulting;

namespace TaskRun.Core.Validation;

/// <summary>
/// The labels <c>task-id</c>, <c>service</c> and <c>priority</c> mirror the spec (defaulting adds them). One a
/// manifest sets to a different value is refused with the fix, rather than silently rewritten: a rewrite makes
/// every re-apply a change and GitOps tools report drift forever.
/// </summary>
public static class MirroredLabelCheck
{
    private static readonly Dictionary<string, string> SpecFields = new(StringComparer.Ordinal)
    {
        [TaskRunLabels.TaskId] = "spec.taskId",
        [TaskRunLabels.Service] = "spec.serviceName",
        [TaskRunLabels.Priority] = "spec.priority",
    };

    public static IReadOnlyList<FieldError> Check(V2TaskRun taskRun)
    {
        ArgumentNullException.ThrowIfNull(taskRun);
        var errors = new List<FieldError>();
        var labels = taskRun.Metadata?.Labels;
        if (labels is null)
        {
            return errors;
        }

        foreach (var (key, value) in TaskRunDefaulter.MirroredLabels(taskRun.Spec))
        {
            if (value is not null && labels.TryGetValue(key, out var label) && label != value)
            {
                var field = SpecFields[key];
                errors.Add(new($"metadata.labels[{key}]", FieldErrorType.Invalid,
                    $"label {key} is \"{label}\" but {field} is \"{value}\"; the label mirrors {field} and is set for you: " +
                    $"remove it from the manifest or set it to \"{value}\""));
            }
        }

        return errors;
    }
}
