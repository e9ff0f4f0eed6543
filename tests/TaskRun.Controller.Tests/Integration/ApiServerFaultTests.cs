using System.Globalization;
using k8s;
using TaskRun.Core.Api;
using TaskRun.Testing;
using Xunit;

namespace TaskRun.Controller.Tests.Integration;

/// <summary>
/// The API server restarts and expired watches under a running controller. These tests restart the
/// shared test API server, so they live in the serial controller collection.
/// </summary>
[Collection(ControllerTests.Name)]
public sealed class ApiServerFaultTests(KubernetesFixture fixture)
{
    [Fact]
    public async Task TaskRuns_created_before_during_and_after_an_API_server_restart_are_all_reconciled_without_a_controller_restart()
    {
        var ns = await fixture.CreateNamespaceAsync();
        await using var controller = new ControllerHarness(fixture, ns, watchTimeoutSeconds: 10);
        await CreateManyAsync(ns, "before", 5);

        var restart = fixture.ControlPlane.RunScriptAsync("restart-apiserver");
        // Some of these land while the API server is down; a creation that fails is retried until it is accepted.
        await CreateManyAsync(ns, "during", 5);
        var restarted = await restart;
        Assert.True(restarted.Succeeded, restarted.ToString());
        await CreateManyAsync(ns, "after", 5);

        await WaitAllRunningAsync(ns, 15);
        Assert.Equal(15, (await Cluster.JobsAsync(fixture.Client, ns)).Count);
    }

    [Fact]
    public async Task A_watch_that_expires_with_410_Gone_is_followed_by_a_relist_and_no_TaskRun_is_missed()
    {
        var ns = await fixture.CreateNamespaceAsync();
        await using var controller = new ControllerHarness(fixture, ns, watchTimeoutSeconds: 5);
        var lists = 0;
        var expired = 0;
        controller.Controller.TaskRuns.Listed += _ => Interlocked.Increment(ref lists);
        controller.Controller.TaskRuns.Expired += () => Interlocked.Increment(ref expired);
        await CreateManyAsync(ns, "early", 2);
        await WaitAllRunningAsync(ns, 2);
        var listsBefore = Volatile.Read(ref lists);

        // Compact etcd past every resourceVersion the controller holds, then restart the API server so its
        // watch cache starts after the compaction: the controller's next watch from its old
        // resourceVersion is answered with 410 Gone.
        await CompactEtcdAsync();
        var restarted = await fixture.ControlPlane.RunScriptAsync("restart-apiserver");
        Assert.True(restarted.Succeeded, restarted.ToString());
        await CreateManyAsync(ns, "late", 3);

        await WaitAllRunningAsync(ns, 5);
        Assert.True(Volatile.Read(ref expired) > 0, "the TaskRun watch never got 410 Gone");
        Assert.True(Volatile.Read(ref lists) > listsBefore, "the controller never re-listed TaskRuns after the 410");
    }

    private async Task CompactEtcdAsync()
    {
        var endpoint = fixture.ControlPlane.Environment["ETCD_ENDPOINT"];
        var status = await ProcessRunner.RunAsync("etcdctl", ["--endpoints", endpoint, "endpoint", "status", "--write-out", "json"],
            new Dictionary<string, string> { ["ETCDCTL_API"] = "3" });
        Assert.True(status.Succeeded, status.ToString());
        var revision = System.Text.Json.JsonDocument.Parse(status.StandardOutput).RootElement[0].GetProperty("Status").GetProperty("header").GetProperty("revision").GetInt64();
        var compact = await ProcessRunner.RunAsync("etcdctl", ["--endpoints", endpoint, "compact", revision.ToString(CultureInfo.InvariantCulture)],
            new Dictionary<string, string> { ["ETCDCTL_API"] = "3" });
        Assert.True(compact.Succeeded, compact.ToString());
    }

    private async Task CreateManyAsync(string ns, string prefix, int count)
    {
        for (var i = 0; i < count; i++)
        {
            var name = $"{prefix}-{i}";
            await Eventually.HoldsAsync(async () =>
            {
                try
                {
                    await TaskRunClient.CreateAsync(fixture.Client, SeedTaskRun.Build(ns, name));
                }
                catch (k8s.Autorest.HttpOperationException e) when (e.Response.StatusCode == System.Net.HttpStatusCode.Conflict)
                {
                    // Accepted by an earlier attempt whose answer was lost.
                }

                return true;
            }, created => created, $"TaskRun {name} created", TimeSpan.FromSeconds(60));
        }
    }

    private Task WaitAllRunningAsync(string ns, int count) =>
        Cluster.WaitRunningAsync(fixture.Client, ns, count, TimeSpan.FromSeconds(90));
}
