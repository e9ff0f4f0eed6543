using System.Text.Json;
using k8s;
using k8s.Models;
using TaskRun.Core.Api;
using TaskRun.Core.Naming;
using TaskRun.Testing;
using Xunit;

namespace TaskRun.E2E.Tests;

/// <summary>
/// The real Claude Code CLI in the agent Pod, run by the product's default headless invocation against the
/// scripted model inside the same Pod (the local real-agent image): the workspace reaches the model, the CLI's
/// tool call changes the workspace, and its result lands on the TaskRun.
/// </summary>
public sealed class RealAgentTests
{
    private const string ModelRequestPrefix = "model-request: ";

    [Fact]
    public async Task The_seed_TaskRun_succeeds_with_the_real_CLI_and_its_result_lands_on_the_TaskRun()
    {
        var (cluster, ns) = await StartAsync("claude-seed");
        var seed = WithClaude(SeedTaskRun.Build(ns));
        seed.Spec.Files![0].Content = "# Task Implementation Details: add rate limiting to the login endpoint (ticket 4711)";

        await TaskRunClient.CreateAsync(cluster.Client, seed);
        var done = await TaskRuns.WaitForPhaseAsync(cluster.Client, ns, seed.Metadata.Name, Phases.Succeeded, TimeSpan.FromMinutes(5));

        // The task files' contents are in the first request the model received (CLAUDE.md imports expanded by the CLI).
        var requests = await ModelRequestsAsync(cluster, ns, seed.Metadata.Name, run: 1);
        Assert.True(requests.Count >= 2, $"expected at least two model requests, got {requests.Count}");
        foreach (var file in seed.Spec.Files)
        {
            Assert.Contains(file.Content!, requests[0], StringComparison.Ordinal);
        }

        var result = done.Status!.Result;
        Assert.NotNull(result);
        Assert.Equal(false, result.IsError);
        Assert.True(result.Turns >= 2, $"turns {result.Turns}");
        Assert.True(Guid.TryParse(result.SessionId, out _), $"session id {result.SessionId}");
        Assert.True(result.CostUsd > 0, $"cost {result.CostUsd}");
        Assert.Equal(1, result.Run);
        Assert.StartsWith("local model:", result.Summary);
        Assert.Equal(result.CostUsd, done.Status.TotalCostUsd);

        // The CLI executed the model's Write: RESULT.md is on the workspace volume after the Pod is gone.
        var resultFile = Path.Combine(await WorkspacePathAsync(cluster.Client, ns, "auth-service"), "auth-service", "RESULT.md");
        Assert.True(File.Exists(resultFile), $"{resultFile} is missing");
        Assert.Equal("written by the agent through the local model\n", await File.ReadAllTextAsync(resultFile));
    }

    [Fact]
    public async Task A_manual_retry_continues_the_first_runs_conversation()
    {
        var (cluster, ns) = await StartAsync("claude-retry");
        var seed = WithClaude(SeedTaskRun.Build(ns));
        await TaskRunClient.CreateAsync(cluster.Client, seed);
        var first = await TaskRuns.WaitForPhaseAsync(cluster.Client, ns, seed.Metadata.Name, Phases.Succeeded, TimeSpan.FromMinutes(5));
        var session = first.Status!.Result!.SessionId!;

        await TaskRunClient.PatchSpecAsync(cluster.Client, ns, seed.Metadata.Name, """{"spec":{"retry":{"attempt":2}}}""");
        var second = await TaskRuns.WaitForRunAsync(cluster.Client, ns, seed.Metadata.Name, run: 2, Phases.Succeeded, TimeSpan.FromMinutes(5));

        // Run 2's first request carries run 1's conversation: the Write tool call and the final answer.
        var requests = await ModelRequestsAsync(cluster, ns, seed.Metadata.Name, run: 2);
        Assert.Contains("toolu_local_1", requests[0], StringComparison.Ordinal);
        Assert.Contains("local model: the task was read", requests[0], StringComparison.Ordinal);
        Assert.Equal(session, second.Status!.Result!.SessionId);
        Assert.Equal(2, second.Status.Result.Run);
        Assert.Equal(first.Status.Result.CostUsd!.Value + second.Status.Result.CostUsd!.Value, second.Status.TotalCostUsd!.Value, 9);
    }

    [Fact]
    public async Task The_model_answering_with_an_error_fails_the_run_with_the_reason_on_the_TaskRun()
    {
        var (cluster, ns) = await StartAsync("claude-error");
        var taskRun = WithClaude(TaskRuns.Small(ns, "refused", "refused", standIn: null));
        taskRun.Spec.Files![0].Content = "# A task the model refuses\nlocal-model: fail\n";
        taskRun.Spec.Retry!.MaxRetries = 0;

        await TaskRunClient.CreateAsync(cluster.Client, taskRun);
        var done = await TaskRuns.WaitForPhaseAsync(cluster.Client, ns, "refused", Phases.Failed, TimeSpan.FromMinutes(5));

        var result = done.Status!.Result;
        Assert.NotNull(result);
        Assert.Equal(true, result.IsError);
        Assert.Contains("local model: the task asked this model to fail", result.Summary);
        Assert.Contains("BackoffLimitExceeded", done.Status.Message);
        Assert.Contains("the agent said: API Error: 400 local model: the task asked this model to fail", done.Status.Message);
    }

    private static async Task<(LocalCluster Cluster, string Namespace)> StartAsync(string prefix)
    {
        var cluster = await LocalCluster.Shared;
        await cluster.EnsureClaudeAgentImageAsync();
        return (cluster, await cluster.CreateNamespaceAsync(prefix));
    }

    /// <summary>The real-agent image with the memory the CLI needs (the cluster's default agent is the small stand-in).</summary>
    private static V2TaskRun WithClaude(V2TaskRun taskRun)
    {
        taskRun.Spec.Agent = new AgentOverride
        {
            Image = LocalCluster.ClaudeAgentImage,
            Resources = new V1ResourceRequirements
            {
                Requests = new Dictionary<string, ResourceQuantity> { ["cpu"] = new("100m"), ["memory"] = new("128Mi") },
                Limits = new Dictionary<string, ResourceQuantity> { ["cpu"] = new("1"), ["memory"] = new("1Gi") },
            },
        };
        return taskRun;
    }

    /// <summary>The request bodies the scripted model received in the run's last Pod, in order (the image prints them after the CLI exits).</summary>
    private static async Task<List<string>> ModelRequestsAsync(LocalCluster cluster, string ns, string name, int run)
    {
        var logs = await cluster.KubectlAsync("logs", "-n", ns, $"job/{RunNames.Job(name, run)}", "-c", "claude-agent");
        Assert.True(logs.Succeeded, logs.ToString());
        var requests = logs.StandardOutput.Split('\n')
            .Where(line => line.StartsWith(ModelRequestPrefix, StringComparison.Ordinal))
            .Select(line => line[ModelRequestPrefix.Length..])
            .Where(body => body.Contains("\"messages\"", StringComparison.Ordinal))
            .ToList();
        foreach (var body in requests)
        {
            using var whole = JsonDocument.Parse(body); // each line is one complete request body
        }

        return requests;
    }

    private static async Task<string> WorkspacePathAsync(IKubernetes client, string ns, string service)
    {
        var claim = await client.CoreV1.ReadNamespacedPersistentVolumeClaimAsync($"{service}-workspace-pvc", ns);
        var volume = await client.CoreV1.ReadPersistentVolumeAsync(claim.Spec.VolumeName);
        return volume.Spec.HostPath.Path;
    }
}
