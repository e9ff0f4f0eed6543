namespace TaskRun.Controller.Scheduling;

/// <summary>
/// A run is active from its Job's creation until that Job finishes (a Complete or Failed condition). Only Jobs
/// the controller made count: the Jobs cache holds only those with its managed-by label, and a Job counts only
/// while its controlling owner is a TaskRun in the cache with the same uid, so a Job someone else labelled
/// cannot take a slot from everyone.
/// </summary>
public static class ActiveRuns
{
    public static bool IsFinished(V1Job job) =>
        job?.Status?.Conditions?.Any(c => c.Status == "True" && c.Type is "Complete" or "Failed") == true;

    /// <summary>The keys of the active run Jobs, each with its namespace.</summary>
    public static IEnumerable<ObjectKey> Of(IEnumerable<V1Job> jobs, Func<ObjectKey, V2TaskRun?> taskRun)
    {
        ArgumentNullException.ThrowIfNull(jobs);
        ArgumentNullException.ThrowIfNull(taskRun);
        foreach (var job in jobs)
        {
            if (IsFinished(job))
            {
                continue;
            }

            var owner = job.Metadata.OwnerReferences?.FirstOrDefault(o => o.Controller == true && o.Kind == TaskRunApi.Kind);
            var ns = job.Metadata.NamespaceProperty ?? "";
            if (owner is not null && taskRun(new ObjectKey(ns, owner.Name))?.Metadata.Uid == owner.Uid)
            {
                yield return ObjectKey.Of(job);
            }
        }
    }
}
