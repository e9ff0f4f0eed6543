using System.Globalization;
using TaskRun.Core.Api;
using TaskRun.Core.Validation;

namespace TaskRun.Core.Defaulting;

/// <summary>
/// Fills in what a user may leave out, except inferred file types, which are only reported (see below).
/// Idempotent: defaulting a defaulted object changes nothing. Values that come from the controller config are
/// deliberately not written, so the stored object stays what the user applied (no GitOps drift).
/// </summary>
public static class TaskRunDefaulter
{
    /// <summary>
    /// Defaults <paramref name="taskRun"/> in place and returns warnings for the user. <paramref name="old"/> is the
    /// stored object on an update (null on create): inferred types are reported only when they are news, and a
    /// mirrored label the request left as it was follows a spec change.
    /// </summary>
    public static IReadOnlyList<string> Default(V2TaskRun taskRun, V2TaskRun? old = null)
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
        // The report is made on create, and on an update only for a file whose type was different (or which
        // did not exist) before, so `kubectl label` or a re-apply does not repeat it.
        var typesBefore = EffectiveTypes(old);
        if (spec.Files is not null)
        {
            for (var i = 0; i < spec.Files.Count; i++)
            {
                var file = spec.Files[i];
                if (file is null || file.Type is not null)
                {
                    continue;
                }

                var inferred = FileTypes.InferFromName(file.Name);
                if (file.Name is null || !typesBefore.TryGetValue(file.Name, out var before) || before != inferred)
                {
                    warnings.Add($"spec.files[{i}].type: not set; inferred \"{inferred}\" from the file name \"{file.Name}\"");
                }
            }
        }

        MirrorLabels(taskRun, old);
        return warnings;
    }

    /// <summary>The spec value each mirrored label stands for: only values the validator accepts.</summary>
    public static IReadOnlyList<(string Key, string? Value)> MirroredLabels(V2TaskRunSpec? spec) =>
    [
        (TaskRunLabels.TaskId, spec?.TaskId >= SpecLimits.MinTaskId ? spec.TaskId.Value.ToString(CultureInfo.InvariantCulture) : null),
        (TaskRunLabels.Service, spec?.ServiceName is { } service && KubernetesNames.IsDns1123Label(service) ? service : null),
        (TaskRunLabels.Priority, spec?.Priority is { } priority && Priorities.All.Contains(priority) ? priority : null),
    ];

    /// <summary>
    /// Labels mirror the spec so users can select by task, service and priority. A missing label is added; a
    /// label that was the mirror of the old spec and that the request did not touch follows the new spec. A
    /// label the user set to something else is never rewritten (that made every re-apply a change): the
    /// validating webhook refuses the contradiction with the fix instead.
    /// </summary>
    private static void MirrorLabels(V2TaskRun taskRun, V2TaskRun? old)
    {
        // An invalid spec value is left to the validator, which names the spec field.
        var oldMirrors = MirroredLabels(old?.Spec).ToDictionary(m => m.Key, m => m.Value);
        foreach (var (key, value) in MirroredLabels(taskRun.Spec))
        {
            if (value is null)
            {
                continue;
            }

            taskRun.Metadata.Labels ??= new Dictionary<string, string>();
            var labels = taskRun.Metadata.Labels;
            if (!labels.TryGetValue(key, out var current))
            {
                labels[key] = value;
                continue;
            }

            var oldLabel = old?.Metadata?.Labels?.TryGetValue(key, out var o) == true ? o : null;
            var followedOldSpec = oldLabel is not null && oldLabel == current && oldMirrors.GetValueOrDefault(key) == current;
            if (current != value && followedOldSpec)
            {
                labels[key] = value;
            }
        }
    }

    private static Dictionary<string, string> EffectiveTypes(V2TaskRun? old)
    {
        var types = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var file in old?.Spec?.Files ?? [])
        {
            if (file?.Name is { } name)
            {
                types.TryAdd(name, file.Type ?? FileTypes.InferFromName(name));
            }
        }

        return types;
    }
}
