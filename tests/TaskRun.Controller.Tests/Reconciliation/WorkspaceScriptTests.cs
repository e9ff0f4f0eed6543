using System.Text.RegularExpressions;
using k8s.Models;
using TaskRun.Controller.Reconciliation;
using TaskRun.Core.Api;
using TaskRun.Core.Config;
using TaskRun.Core.Payload;
using TaskRun.Testing;
using Xunit;

namespace TaskRun.Controller.Tests.Reconciliation;

/// <summary>The Job's init script, run for real by busybox sh with temporary directories for /config and /workspace.</summary>
public sealed partial class WorkspaceScriptTests : IDisposable
{
    private readonly string root = Directory.CreateTempSubdirectory("workspace-script-").FullName;

    [Fact]
    public async Task The_script_lays_out_the_seed_workspace_and_every_import_in_CLAUDE_md_exists()
    {
        var taskRun = SeedExample();
        var (result, workspace) = await RunInitContainerAsync(taskRun, run: 1);

        Assert.True(result.Succeeded, result.ToString());
        var serviceDir = Path.Combine(workspace, "auth-service");
        var runDir = Path.Combine(serviceDir, ".task", "1001", "run-1");
        Assert.Equal(new[] { "design-spec.md", "metadata.yaml", "prompt.md", "task.md" }, Directory.GetFiles(runDir).Select(Path.GetFileName).Order());
        Assert.Equal("# Task Implementation Details...", await File.ReadAllTextAsync(Path.Combine(runDir, "task.md")));
        Assert.Contains("run: 1", await File.ReadAllTextAsync(Path.Combine(runDir, "metadata.yaml")), StringComparison.Ordinal);

        var claude = await File.ReadAllTextAsync(Path.Combine(serviceDir, "CLAUDE.md"));
        var imports = ImportRegex().Matches(claude).Select(m => m.Groups[1].Value).ToList();
        Assert.Equal(4, imports.Count);
        foreach (var import in imports)
        {
            Assert.True(File.Exists(Path.Combine(serviceDir, import)), $"CLAUDE.md imports @{import}, which does not exist under {serviceDir}");
        }
    }

    [Fact]
    public async Task The_script_fails_loudly_when_the_workspace_cannot_be_written()
    {
        var (result, _) = await RunInitContainerAsync(SeedExample(), run: 1, workspaceOverride: "/proc/no-such-place");

        Assert.False(result.Succeeded);
        Assert.NotEmpty(result.StandardError);
    }

    [Fact]
    public async Task The_script_refuses_a_service_name_that_is_not_a_DNS_label_even_if_the_validator_was_bypassed()
    {
        var taskRun = SeedExample();
        taskRun.Spec.ServiceName = "../../etc";

        var (result, workspace) = await RunInitContainerAsync(taskRun, run: 1);

        Assert.Equal(2, result.ExitCode);
        Assert.Empty(Directory.GetFileSystemEntries(workspace));
    }

    [Fact]
    public void The_script_text_contains_no_user_supplied_value()
    {
        var taskRun = SeedExample();
        var job = RunChildren.Job(taskRun, 1, ControllerConfig.Default);
        var init = Assert.Single(job.Spec.Template.Spec.InitContainers);

        Assert.Equal(WorkspaceScript.Text, init.Command[2]);
        foreach (var userValue in new[] { "auth-service", "1001", "task.md", "design-spec.md", taskRun.Metadata.Name })
        {
            Assert.DoesNotContain(userValue, init.Command[2], StringComparison.Ordinal);
        }

        Assert.Equal("auth-service", init.Env.Single(e => e.Name == "SERVICE_NAME").Value);
        Assert.Equal("1001", init.Env.Single(e => e.Name == "TASK_ID").Value);
    }

    public void Dispose() => Directory.Delete(root, recursive: true);

    /// <summary>Writes the run's ConfigMap files as a volume would, then runs the init container's command with its env.</summary>
    private async Task<(CommandResult Result, string Workspace)> RunInitContainerAsync(V2TaskRun taskRun, int run, string? workspaceOverride = null)
    {
        var configDir = Directory.CreateDirectory(Path.Combine(root, "config")).FullName;
        var workspace = Directory.CreateDirectory(Path.Combine(root, "workspace")).FullName;
        foreach (var (name, content) in RunPayloadBuilder.Build(taskRun, run).Entries)
        {
            await File.WriteAllTextAsync(Path.Combine(configDir, name), content);
        }

        var init = RunChildren.Job(taskRun, run, ControllerConfig.Default).Spec.Template.Spec.InitContainers.Single();
        var env = init.Env.ToDictionary(e => e.Name, e => e.Value);
        env["CONFIG_DIR"] = configDir;
        env["WORKSPACE_DIR"] = workspaceOverride ?? workspace;
        var result = await ProcessRunner.RunAsync("busybox", ["sh", "-c", init.Command[2]], env);
        return (result, workspace);
    }

    private static V2TaskRun SeedExample()
    {
        var taskRun = SeedTaskRun.Build("orchestrator");
        taskRun.Metadata.Uid = Guid.NewGuid().ToString();
        return taskRun;
    }

    [GeneratedRegex(@"@(\S+)")]
    private static partial Regex ImportRegex();
}
