namespace TaskRun.Controller.Runtime;

/// <summary>
/// The slimmed forms the informers cache: what the controller reads of each kind, without the bulk. What the readers
/// use (checked in the reconciler, scheduling, dependencies, notifications and the phase gauge): of a TaskRun, all
/// of it but the files' contents and its labels (its status is written back whole, its annotations are validated); of a Job, its
/// name, namespace, uid, resourceVersion, owner references and status; of a run ConfigMap, its owner references.
/// </summary>
internal static class CachedForms
{
    /// <summary>kubectl's copy of the whole object as last applied (its files included): no reader uses it.</summary>
    public const string LastAppliedAnnotation = "kubectl.kubernetes.io/last-applied-configuration";

    /// <summary>
    /// TaskRuns are cached without their files' contents, most of their size, without kubectl's last-applied
    /// copy of the object and without labels (the controller selects and reads TaskRuns by name, spec and status;
    /// its writes are patches and status replacements that carry no labels); the reconciler reads the full object
    /// when it needs the contents (to check a new generation, to start a run). A copy: callers keep theirs.
    /// </summary>
    public static V2TaskRun WithoutContents(V2TaskRun taskRun)
    {
        var slim = taskRun.WithoutFileContents();
        if (slim.Metadata is { } metadata)
        {
            var annotations = metadata.Annotations?.ContainsKey(LastAppliedAnnotation) == true
                ? metadata.Annotations.Where(a => a.Key != LastAppliedAnnotation).ToDictionary(a => a.Key, a => a.Value)
                : metadata.Annotations;
            slim.Metadata = CopyWithout(metadata, annotations?.Count == 0 ? null : annotations);
        }

        slim.Spec.ServiceName = CacheStrings.Intern(slim.Spec.ServiceName);
        slim.Spec.Priority = CacheStrings.Intern(slim.Spec.Priority);
        foreach (var file in slim.Spec.Files ?? [])
        {
            if (file is not null)
            {
                file.Name = CacheStrings.Intern(file.Name);
                file.Type = CacheStrings.Intern(file.Type);
            }
        }

        InternStatus(slim.Status);
        return slim;
    }

    /// <summary>A run's ConfigMap is watched only to find its owner: its data (the task's files), labels and annotations are not kept.</summary>
    public static V1ConfigMap SlimConfigMap(V1ConfigMap configMap)
    {
        configMap.Data = null;
        configMap.BinaryData = null;
        configMap.Metadata.Labels = null;
        configMap.Metadata.Annotations = null;
        return configMap;
    }

    /// <summary>
    /// The reconciler, the run queue and the phase gauge read a Job's metadata (name, uid, resourceVersion, owner)
    /// and status only: its spec (the Pod template is most of its size), labels and annotations are not kept.
    /// </summary>
    public static V1Job SlimJob(V1Job job)
    {
        job.Spec = null;
        job.Metadata.Labels = null;
        job.Metadata.Annotations = null;
        if (job.Status?.Conditions is { } conditions)
        {
            foreach (var condition in conditions)
            {
                condition.Type = CacheStrings.Intern(condition.Type);
                condition.Status = CacheStrings.Intern(condition.Status);
                condition.Reason = CacheStrings.Intern(condition.Reason);
            }
        }

        return job;
    }

    /// <summary>The phase and the conditions' type, status and reason repeat across TaskRuns; a condition's message is often the status's.</summary>
    private static void InternStatus(TaskRunStatus? status)
    {
        if (status is null)
        {
            return;
        }

        status.Phase = CacheStrings.Intern(status.Phase);
        foreach (var condition in status.Conditions ?? [])
        {
            condition.Type = CacheStrings.Intern(condition.Type);
            condition.Status = CacheStrings.Intern(condition.Status);
            condition.Reason = CacheStrings.Intern(condition.Reason);
            if (condition.Message is not null && condition.Message == status.Message)
            {
                condition.Message = status.Message;
            }
        }
    }

    /// <summary>The metadata with these annotations and no labels; the caller's is not changed.</summary>
    private static V1ObjectMeta CopyWithout(V1ObjectMeta metadata, IDictionary<string, string>? annotations) => new()
    {
        Annotations = annotations,
        CreationTimestamp = metadata.CreationTimestamp,
        DeletionGracePeriodSeconds = metadata.DeletionGracePeriodSeconds,
        DeletionTimestamp = metadata.DeletionTimestamp,
        Finalizers = metadata.Finalizers,
        GenerateName = metadata.GenerateName,
        Generation = metadata.Generation,
        ManagedFields = metadata.ManagedFields,
        Name = metadata.Name,
        NamespaceProperty = metadata.NamespaceProperty,
        OwnerReferences = metadata.OwnerReferences,
        ResourceVersion = metadata.ResourceVersion,
        SelfLink = metadata.SelfLink,
        Uid = metadata.Uid,
    };
}
