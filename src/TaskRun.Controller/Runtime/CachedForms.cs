namespace TaskRun.Controller.Runtime;

/// <summary>The slimmed forms the informers cache: what the controller reads of each kind, without the bulk.</summary>
internal static class CachedForms
{
    /// <summary>
    /// TaskRuns are cached without their files' contents, most of their size; the reconciler reads the full
    /// object when it needs them (to check a new generation, to start a run). A copy: callers keep theirs.
    /// </summary>
    public static V2TaskRun WithoutContents(V2TaskRun taskRun) => taskRun.WithoutFileContents();

    /// <summary>A run's ConfigMap is watched only to find its owner; its data (the task's files) is not kept.</summary>
    public static V1ConfigMap SlimConfigMap(V1ConfigMap configMap)
    {
        configMap.Data = null;
        configMap.BinaryData = null;
        return configMap;
    }

    /// <summary>The reconciler reads a Job's status and owner only; its Pod template is most of its size.</summary>
    public static V1Job SlimJob(V1Job job)
    {
        if (job.Spec is not null)
        {
            job.Spec.Template = null;
        }

        return job;
    }
}
