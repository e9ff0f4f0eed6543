using k8s;
using TaskRun.Core.Api;
using TaskRun.Core.Naming;
using TaskRun.Testing;
using Xunit;

namespace TaskRun.E2E.Tests;

/// <summary>A run whose agent image cannot start meets its real deadline, and the retry starts the next run.</summary>
public sealed class DeadlineTests
{
    [Fact]
    public async Task An_agent_image_that_cannot_start_hits_the_real_deadline_and_run_2_starts()
    {
        var cluster = await LocalCluster.Shared;
        var client = cluster.Client;
        var ns = await cluster.CreateNamespaceAsync("deadline");
        var taskRun = TaskRuns.Small(ns, "unstartable", "unstartable", standIn: null);
        taskRun.Spec.TimeoutSeconds = 60;
        taskRun.Spec.Retry!.MaxRetries = 1;
        // Nothing serves this image and nothing can pull it (no registry: nothing leaves the machine).
        taskRun.Spec.Agent = new AgentOverride { Image = "localhost/taskrun-e2e/no-such-agent:1" };
        await TaskRunClient.CreateAsync(client, taskRun);

        await Eventually.HoldsAsync(() => TaskRuns.PodsOfRunAsync(client, ns, "unstartable", 1),
            pods => pods.Any(p => p.Status?.ContainerStatuses?.Any(c => c.State?.Waiting?.Reason is "ErrImagePull" or "ImagePullBackOff") == true),
            "the agent container of run 1 waiting on its image", TimeSpan.FromSeconds(90));

        var job = await Eventually.HoldsAsync(() => TaskRuns.JobAsync(client, ns, RunNames.Job("unstartable", 1)),
            j => j?.Status?.Conditions?.Any(c => c.Type == "Failed" && c.Status == "True") == true,
            "Job run 1 Failed", TimeSpan.FromSeconds(150));
        var failed = job!.Status.Conditions.Single(c => c.Type == "Failed");
        Assert.Equal("DeadlineExceeded", failed.Reason);
        var ran = failed.LastTransitionTime!.Value - job.Status.StartTime!.Value;
        Assert.True(ran >= TimeSpan.FromSeconds(59), $"the Job failed after {ran}, before its 60 s deadline");

        // DeadlineExceeded is in retry.retryOn: the controller starts run 2.
        var retried = await Eventually.HoldsAsync(() => TaskRunClient.GetAsync(client, ns, "unstartable"),
            t => t?.Status?.Attempt == 2 && t.Status.Phase == Phases.Running, "run 2 Running", TimeSpan.FromSeconds(60));
        Assert.Equal(1, retried!.Status!.RetryCount);
        Assert.NotNull(await TaskRuns.JobAsync(client, ns, RunNames.Job("unstartable", 2)));

        // Run 2 would wait out its minute too: stop it.
        await TaskRunClient.PatchSpecAsync(client, ns, "unstartable", """{"spec":{"cancel":true}}""");
        await TaskRuns.WaitForPhaseAsync(client, ns, "unstartable", Phases.Failed, TimeSpan.FromSeconds(60));
    }
}
