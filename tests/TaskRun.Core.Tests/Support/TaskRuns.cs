using TaskRun.Core.Api;
using TaskRun.Core.Serialization;
using TaskRun.Testing;

namespace TaskRun.Core.Tests.Support;

/// <summary>TaskRuns for tests: a valid, defaulted one to break one rule at a time, and content of exact sizes.</summary>
internal static class TaskRuns
{
    public const string Name = SeedTaskRun.Name;
    public const string Namespace = "orchestrator";
    public const string Uid = "6f1c0c4e-8d7a-4c1e-9f5b-2a7d3e4b5c6d";

    /// <summary>A policy with agent overrides on, for the org's images and the default resource bounds.</summary>
    public static TaskRun.Core.Validation.ValidationPolicy OverridesAllowed { get; } = TaskRun.Core.Validation.ValidationPolicy.From(
        TaskRun.Core.Config.ControllerConfig.Default with
        {
            Agent = TaskRun.Core.Config.ControllerConfig.Default.Agent with
            {
                AllowOverrides = true,
                AllowedImages = ["ghcr.io/5dlabs/platform/claude-code:*", "registry.local/agent@*"],
            },
        });

    /// <summary>The seed's example as a v2 TaskRun, already defaulted, that passes validation.</summary>
    public static V2TaskRun Valid()
    {
        var taskRun = SeedTaskRun.Build(Namespace, Name);
        taskRun.Metadata.Uid = Uid;
        taskRun.Metadata.Labels = new Dictionary<string, string>
        {
            [TaskRunLabels.TaskId] = "1001",
            [TaskRunLabels.Service] = "auth-service",
            [TaskRunLabels.Priority] = Priorities.High,
        };
        return taskRun;
    }

    /// <summary>A TaskRun with one file of the given content (and nothing else that could fail).</summary>
    public static V2TaskRun WithSingleFile(string content, string fileName = "task.md")
    {
        var taskRun = Valid();
        taskRun.Spec.Files = [new TaskFile { Name = fileName, Type = FileTypes.InferFromName(fileName), Content = content }];
        return taskRun;
    }

    /// <summary>A deep copy made through the JSON the API server would hold.</summary>
    public static V2TaskRun Clone(V2TaskRun taskRun) => KubeJson.Deserialize<V2TaskRun>(KubeJson.Serialize(taskRun))!;

    /// <summary>ASCII text of exactly <paramref name="bytes"/> UTF-8 bytes.</summary>
    public static string AsciiOfBytes(long bytes) => new('a', checked((int)bytes));
}
