using k8s.Models;
using TaskRun.Core.Api;

namespace TaskRun.Testing;

/// <summary>The seed design's example TaskRun (deploy/samples/taskrun-v2.yaml): task 1001 of auth-service, three files.</summary>
public static class SeedTaskRun
{
    public const string Name = "auth-service-task-1001";
    public const string Service = "auth-service";
    public const int TaskId = 1001;

    /// <summary>A new copy, as a user would apply it (not defaulted: no labels, no uid).</summary>
    public static V2TaskRun Build(string ns, string name = Name, string service = Service) => new()
    {
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = ns },
        Spec = new V2TaskRunSpec
        {
            TaskId = TaskId,
            ServiceName = service,
            Priority = Priorities.High,
            Files =
            [
                new TaskFile { Name = "task.md", Type = FileTypes.Task, Content = "# Task Implementation Details..." },
                new TaskFile { Name = "design-spec.md", Type = FileTypes.DesignSpec, Content = "# Service Design Specification..." },
                new TaskFile { Name = "prompt.md", Type = FileTypes.Prompt, Content = "# Autonomous Agent Instructions..." },
            ],
            Retry = new RetrySpec { Attempt = 1 },
        },
    };
}
