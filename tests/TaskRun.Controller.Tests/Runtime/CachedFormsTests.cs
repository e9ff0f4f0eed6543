using k8s.Models;
using TaskRun.Controller.Runtime;
using TaskRun.Core.Api;
using Xunit;

namespace TaskRun.Controller.Tests.Runtime;

/// <summary>What the informers keep of each kind: everything a reader uses, nothing else.</summary>
public sealed class CachedFormsTests
{
    [Fact]
    public void A_TaskRun_keeps_all_but_its_file_contents_labels_and_kubectls_last_applied_copy_and_the_caller_keeps_its_own()
    {
        var taskRun = TaskRun();

        var cached = CachedForms.WithoutContents(taskRun);

        // Dropped: the files' contents, kubectl's copy of the whole object and the labels (no reader uses them).
        Assert.All(cached.Spec.Files!, f => Assert.Null(f.Content));
        Assert.False(cached.Metadata.Annotations!.ContainsKey(CachedForms.LastAppliedAnnotation));
        Assert.Null(cached.Metadata.Labels);
        // Kept: every other annotation (validation reads them), finalizers, identity, the rest of the spec, the status.
        Assert.Equal("{\"taskId\":1}", cached.Metadata.Annotations[TaskRunApi.V2SpecAnnotation]);
        Assert.Equal([TaskRunApi.Finalizer], cached.Metadata.Finalizers);
        Assert.Equal(("run-1", "ns", "uid-1", "7", 3L), (cached.Metadata.Name, cached.Metadata.NamespaceProperty, cached.Metadata.Uid,
            cached.Metadata.ResourceVersion, cached.Metadata.Generation));
        Assert.Equal(new DateTime(2026, 1, 2, 3, 4, 5, DateTimeKind.Utc), cached.Metadata.CreationTimestamp);
        Assert.Equal(["task.md"], cached.Spec.Files!.Select(f => f.Name));
        Assert.Equal((42L, "svc", 2), (cached.Spec.TaskId, cached.Spec.ServiceName, cached.Spec.Retry!.MaxRetries));
        Assert.Equal(Phases.Running, cached.Status!.Phase);
        var condition = Assert.Single(cached.Status.Conditions!);
        Assert.Equal(("Ready", "False", "Running", "run 1 is running"), (condition.Type, condition.Status, condition.Reason, condition.Message));

        // The caller's object is untouched.
        Assert.Equal("# task", taskRun.Spec.Files![0].Content);
        Assert.True(taskRun.Metadata.Annotations!.ContainsKey(CachedForms.LastAppliedAnnotation));
        Assert.Equal("svc", taskRun.Metadata.Labels!["service"]);
    }

    [Fact]
    public void A_TaskRun_without_annotations_is_cached_without_labels_and_the_caller_keeps_them()
    {
        var taskRun = TaskRun();
        taskRun.Metadata.Annotations = null;

        var cached = CachedForms.WithoutContents(taskRun);

        Assert.Null(cached.Metadata.Labels);
        Assert.Null(cached.Metadata.Annotations);
        Assert.Equal(("run-1", "uid-1"), (cached.Metadata.Name, cached.Metadata.Uid));
        Assert.Equal([TaskRunApi.Finalizer], cached.Metadata.Finalizers);
        Assert.Equal("svc", taskRun.Metadata.Labels!["service"]);
    }

    [Fact]
    public void A_Job_keeps_its_identity_owner_and_status_and_drops_spec_labels_and_annotations()
    {
        var job = new V1Job
        {
            ApiVersion = "batch/v1",
            Kind = "Job",
            Metadata = new V1ObjectMeta
            {
                Name = "run-1-1",
                NamespaceProperty = "ns",
                Uid = "job-uid",
                ResourceVersion = "9",
                Labels = new Dictionary<string, string> { [TaskRunLabels.ManagedBy] = TaskRunLabels.ManagedByValue },
                Annotations = new Dictionary<string, string> { ["a"] = "b" },
                OwnerReferences = [new V1OwnerReference { ApiVersion = TaskRunApi.V2ApiVersion, Kind = TaskRunApi.Kind, Name = "run-1", Uid = "uid-1", Controller = true }],
            },
            Spec = new V1JobSpec { Template = new V1PodTemplateSpec(), BackoffLimit = 0, ActiveDeadlineSeconds = 600 },
            Status = new V1JobStatus { Conditions = [new V1JobCondition { Status = "True", Type = "Failed", Reason = "DeadlineExceeded", Message = "too slow" }] },
        };

        var cached = CachedForms.SlimJob(job);

        Assert.Null(cached.Spec);
        Assert.Null(cached.Metadata.Labels);
        Assert.Null(cached.Metadata.Annotations);
        Assert.Equal(("run-1-1", "ns", "job-uid", "9"), (cached.Metadata.Name, cached.Metadata.NamespaceProperty, cached.Metadata.Uid, cached.Metadata.ResourceVersion));
        Assert.Equal(("run-1", "uid-1", true), (cached.Metadata.OwnerReferences[0].Name, cached.Metadata.OwnerReferences[0].Uid, cached.Metadata.OwnerReferences[0].Controller));
        var condition = Assert.Single(cached.Status.Conditions);
        Assert.Equal(("Failed", "True", "DeadlineExceeded", "too slow"), (condition.Type, condition.Status, condition.Reason, condition.Message));
    }

    [Fact]
    public void A_run_ConfigMap_keeps_its_identity_and_owner_only()
    {
        var configMap = new V1ConfigMap
        {
            Metadata = new V1ObjectMeta
            {
                Name = "run-1-1",
                NamespaceProperty = "ns",
                ResourceVersion = "4",
                Labels = new Dictionary<string, string> { [TaskRunLabels.ManagedBy] = TaskRunLabels.ManagedByValue },
                Annotations = new Dictionary<string, string> { ["a"] = "b" },
                OwnerReferences = [new V1OwnerReference { ApiVersion = TaskRunApi.V2ApiVersion, Kind = TaskRunApi.Kind, Name = "run-1", Uid = "uid-1", Controller = true }],
            },
            Data = new Dictionary<string, string> { ["task.md"] = "# task" },
            BinaryData = new Dictionary<string, byte[]> { ["x"] = [1] },
        };

        var cached = CachedForms.SlimConfigMap(configMap);

        Assert.Null(cached.Data);
        Assert.Null(cached.BinaryData);
        Assert.Null(cached.Metadata.Labels);
        Assert.Null(cached.Metadata.Annotations);
        Assert.Equal(("run-1-1", "ns", "4"), (cached.Metadata.Name, cached.Metadata.NamespaceProperty, cached.Metadata.ResourceVersion));
        Assert.Equal("uid-1", cached.Metadata.OwnerReferences.Single().Uid);
    }

    private static V2TaskRun TaskRun() => new()
    {
        Metadata = new V1ObjectMeta
        {
            Name = "run-1",
            NamespaceProperty = "ns",
            Uid = "uid-1",
            ResourceVersion = "7",
            Generation = 3,
            CreationTimestamp = new DateTime(2026, 1, 2, 3, 4, 5, DateTimeKind.Utc),
            Finalizers = [TaskRunApi.Finalizer],
            Labels = new Dictionary<string, string> { ["service"] = "svc" },
            Annotations = new Dictionary<string, string>
            {
                [CachedForms.LastAppliedAnnotation] = "{\"spec\":{\"files\":[{\"name\":\"task.md\",\"content\":\"# task\"}]}}",
                [TaskRunApi.V2SpecAnnotation] = "{\"taskId\":1}",
            },
        },
        Spec = new V2TaskRunSpec
        {
            TaskId = 42,
            ServiceName = "svc",
            Files = [new TaskFile { Name = "task.md", Content = "# task" }],
            Retry = new RetrySpec { MaxRetries = 2 },
        },
        Status = new TaskRunStatus
        {
            Phase = Phases.Running,
            Message = "run 1 is running",
            Conditions = [new V1Condition { Type = "Ready", Status = "False", Reason = "Running", Message = "run 1 is running" }],
        },
    };
}
