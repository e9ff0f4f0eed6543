using System.Globalization;
using TaskRun.Core.Api;
using TaskRun.Core.Validation;

namespace TaskRun.Core.Defaulting;

/// <summary>
/// Fills in what a user may leave out (DESIGN §2 "Defaulting"), except inferred file types, which are only
/// reported (see below). Idempotent: defaulting a defaulted
/// object changes nothing. Values that come from the controller config are deliberately not written,
/// so the stored object stays what the user applied (no GitOps drift).
/// </summary>
public static class TaskRunDefaulter
{
    /// <summary>Defaults <paramref name="taskRun"/> in place and returns warnings for the user.</summary>
    public static IReadOnlyList<string> Default(V2TaskRun taskRun)
    {
        ArgumentNullException.ThrowIfNull(taskRun);
        var warnings = new List<string>();
        var spec = taskRun.Spec ??= new V2TaskRunSpec();

        spec.Priority ??= Priorities.Default;
        spec.Retry ??= new RetrySpec();
        spec.Retry.Attempt ??= SpecLimits.MinAttempt;

        // A missing file type is inferred wherever it is used (FileTypes.InferFromName) and reported, but not
        // written: lists in a custom resource are atomic to kubectl apply and server-side apply, so a value
        // written into a list item the manifest leaves out would make every re-apply a change (GitOps drift).
        if (spec.Files is not null)
        {
            for (var i = 0; i < spec.Files.Count; i++)
            {
                var file = spec.Files[i];
                if (file is not null && file.Type is null)
                {
                    warnings.Add($"spec.files[{i}].type: not set; inferred \"{FileTypes.InferFromName(file.Name)}\" from the file name \"{file.Name}\"");
                }
            }
        }

        MirrorLabels(taskRun);
        return warnings;
    }

    /// <summary>Labels mirror the spec so users can select by task, service and priority.</summary>
    private static void MirrorLabels(V2TaskRun taskRun)
    {
        var spec = taskRun.Spec;
        // Only values the validator accepts are mirrored: an invalid one is left to the validator, which names the
        // spec field (a label the API server would refuse would only produce a more obscure error).
        var desired = new List<(string Key, string? Value, bool Valid)>
        {
            (TaskRunLabels.TaskId, spec.TaskId?.ToString(CultureInfo.InvariantCulture), spec.TaskId >= SpecLimits.MinTaskId),
            (TaskRunLabels.Service, spec.ServiceName, spec.ServiceName is not null && KubernetesNames.IsDns1123Label(spec.ServiceName)),
            (TaskRunLabels.Priority, spec.Priority, spec.Priority is not null && Priorities.All.Contains(spec.Priority)),
        };

        foreach (var (key, value, valid) in desired)
        {
            if (value is null || !valid)
            {
                continue;
            }

            taskRun.Metadata.Labels ??= new Dictionary<string, string>();
            if (!taskRun.Metadata.Labels.TryGetValue(key, out var current) || current != value)
            {
                taskRun.Metadata.Labels[key] = value;
            }
        }
    }
}
