using k8s;
using TaskRun.Core.Api;
using TaskRun.Core.Naming;
using TaskRun.Testing;
using Xunit;

namespace TaskRun.E2E.Tests;

/// <summary>An agent that exits non-zero: the Job controller retries its Pod up to backoffLimit, then the controller retries the run.</summary>
public sealed class BackoffTests
{
    [Fact]
    public async Task An_agent_that_exits_non_zero_exhausts_the_backoff_limit_and_is_retried_per_config()
    {
        var cluster = await LocalCluster.Shared;
        var client = cluster.Client;
        var ns = await cluster.CreateNamespaceAsync("backoff");
        await TaskRunClient.CreateAsync(client, TaskRuns.Small(ns, "crashing", "crashing", standIn: "exit 3\n"));

        // Each run's Job is checked as soon as it fails (the TTL removes a finished Job and its Pods later).
        await AssertRunExhaustedItsBackoffLimitAsync(client, ns, 1);
        await AssertRunExhaustedItsBackoffLimitAsync(client, ns, 2);
        var done = await TaskRuns.WaitForPhaseAsync(client, ns, "crashing", Phases.Failed, TimeSpan.FromMinutes(1));

        // maxRetries 1 (config): run 1 failed, run 2 was the one retry, then the TaskRun gave up.
        Assert.Equal(2, done.Status!.Attempt);
        Assert.Equal(1, done.Status.RetryCount);
        Assert.Equal(ConditionReasons.RetriesExhausted, done.Status.Conditions!.Single(c => c.Type == ConditionTypes.Succeeded).Reason);
        Assert.Equal("stand-in agent: task 7 run 2 failed with exit code 3 as stand-in.md asked", done.Status.AgentMessage);
        Assert.Contains("the agent said: stand-in agent: task 7 run 2 failed", done.Status.Message);
    }

    private static async Task AssertRunExhaustedItsBackoffLimitAsync(IKubernetes client, string ns, int run)
    {
        var job = await Eventually.HoldsAsync(() => TaskRuns.JobAsync(client, ns, RunNames.Job("crashing", run)),
            j => j?.Status?.Conditions?.Any(c => c.Type == "Failed" && c.Status == "True") == true,
            $"Job run {run} Failed", TimeSpan.FromMinutes(2));
        Assert.Equal("BackoffLimitExceeded", job!.Status.Conditions.Single(c => c.Type == "Failed" && c.Status == "True").Reason);
        // backoffLimit 1: the first Pod and one more, both failed with the agent's exit code.
        Assert.Equal(LocalCluster.BackoffLimit + 1, job.Status.Failed);
        var pods = await TaskRuns.PodsOfRunAsync(client, ns, "crashing", run);
        Assert.Equal(LocalCluster.BackoffLimit + 1, pods.Count);
        Assert.All(pods, p => Assert.Equal(3, p.Status.ContainerStatuses.Single(c => c.Name == "claude-agent").State.Terminated?.ExitCode));
    }
}
