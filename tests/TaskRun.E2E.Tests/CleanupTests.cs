using k8s;
using TaskRun.Core.Api;
using TaskRun.Controller.Reconciliation;
using TaskRun.Core.Naming;
using TaskRun.Testing;
using Xunit;

namespace TaskRun.E2E.Tests;

/// <summary>Deleting a TaskRun (finalizer + garbage collector) and TTL-after-finished on a real cluster.</summary>
public sealed class CleanupTests
{
    [Fact]
    public async Task Deleting_a_TaskRun_removes_its_ConfigMaps_Jobs_and_Pods_and_keeps_the_workspace_PVC()
    {
        var cluster = await LocalCluster.Shared;
        var client = cluster.Client;
        var ns = await cluster.CreateNamespaceAsync("delete");
        var created = await TaskRunClient.CreateAsync(client, TaskRuns.Small(ns, "short-lived", "short-lived", standIn: null));
        await TaskRuns.WaitForPhaseAsync(client, ns, "short-lived", Phases.Succeeded, TimeSpan.FromMinutes(3));
        var selector = $"{TaskRunLabels.TaskRunUid}={created.Metadata.Uid}";
        Assert.NotEmpty((await client.CoreV1.ListNamespacedPodAsync(ns, labelSelector: selector)).Items);

        await TaskRunClient.DeleteAsync(client, ns, "short-lived");

        await Eventually.HoldsAsync(() => TaskRunClient.GetAsync(client, ns, "short-lived"), t => t is null, "the TaskRun gone", TimeSpan.FromSeconds(60));
        await Eventually.HoldsAsync(async () =>
                (await client.BatchV1.ListNamespacedJobAsync(ns, labelSelector: selector)).Items.Count +
                (await client.CoreV1.ListNamespacedConfigMapAsync(ns, labelSelector: selector)).Items.Count +
                (await client.CoreV1.ListNamespacedPodAsync(ns, labelSelector: selector)).Items.Count,
            left => left == 0, "no Job, ConfigMap or Pod of the TaskRun left", TimeSpan.FromSeconds(90));
        var claim = await client.CoreV1.ReadNamespacedPersistentVolumeClaimAsync(RunChildren.WorkspaceClaimName("short-lived"), ns);
        Assert.Null(claim.Metadata.DeletionTimestamp);
    }

    [Fact]
    public async Task TTL_after_finished_removes_a_finished_Job_and_the_TaskRun_stays_Succeeded()
    {
        var cluster = await LocalCluster.Shared;
        var client = cluster.Client;
        var ns = await cluster.CreateNamespaceAsync("ttl");
        await TaskRunClient.CreateAsync(client, TaskRuns.Small(ns, "expiring", "expiring", standIn: null));
        await TaskRuns.WaitForPhaseAsync(client, ns, "expiring", Phases.Succeeded, TimeSpan.FromMinutes(3));
        var job = await TaskRuns.JobAsync(client, ns, RunNames.Job("expiring", 1));
        Assert.Equal(LocalCluster.TtlSecondsAfterFinished, job?.Spec.TtlSecondsAfterFinished);

        await Eventually.HoldsAsync(() => TaskRuns.JobAsync(client, ns, RunNames.Job("expiring", 1)), j => j is null,
            "the TTL controller to delete the finished Job", TimeSpan.FromSeconds(LocalCluster.TtlSecondsAfterFinished + 60));

        // The controller does not bring a finished run's Job back.
        await Task.Delay(TimeSpan.FromSeconds(3));
        Assert.Null(await TaskRuns.JobAsync(client, ns, RunNames.Job("expiring", 1)));
        var taskRun = await TaskRunClient.GetAsync(client, ns, "expiring");
        Assert.Equal(Phases.Succeeded, taskRun?.Status?.Phase);
        Assert.Equal(1, taskRun?.Status?.Attempt);
    }
}
