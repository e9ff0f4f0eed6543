using System.Diagnostics;
using k8s;
using TaskRun.Core.Api;
using TaskRun.Testing;
using Xunit;
using Xunit.Abstractions;

namespace TaskRun.Controller.Tests.Integration;

/// <summary>Two controller processes on one Lease: one works, the other takes over when it dies or stops.</summary>
[Collection(ControllerTests.Name)]
public sealed class LeaderElectionTests(KubernetesFixture fixture, ITestOutputHelper output)
{
    private const string LeaseName = "taskrun-controller-leader";

    [Fact]
    public async Task Only_the_leader_reconciles_and_after_kill_9_the_standby_takes_over_within_the_lease_duration_plus_one_retry_period()
    {
        var ns = await fixture.CreateNamespaceAsync();
        var lease = LeaseTimings.Short;
        await using var first = ControllerProcess.Start(fixture, ns, "first", lease);
        var leader = await WaitForLeaderAsync(ns, null);
        await using var second = ControllerProcess.Start(fixture, ns, "second", lease);
        var (active, standby) = leader == first.Identity ? (first, second) : (second, first);

        for (var i = 0; i < 3; i++)
        {
            await TaskRunClient.CreateAsync(fixture.Client, SeedTaskRun.Build(ns, $"before-{i}"));
        }

        await WaitAllRunningAsync(ns, 3);
        await Eventually.HoldsAsync(() => standby.MetricAsync("taskrun_controller_leader"), v => v == 0, "the standby's metrics");
        Assert.Equal(0, await standby.MetricAsync("taskrun_reconciliations_total"));
        Assert.True(await active.MetricAsync("taskrun_reconciliations_total") > 0);
        Assert.Equal(1, await active.MetricAsync("taskrun_controller_leader"));

        var killedAt = Stopwatch.StartNew();
        active.Kill();
        await WaitForLeaderAsync(ns, standby.Identity, TimeSpan.FromSeconds(30));
        var takeover = killedAt.Elapsed;
        output.WriteLine($"failover after kill -9: {takeover.TotalSeconds:0.0} s (lease {lease.Duration.TotalSeconds} s, retry {lease.RetryPeriod.TotalSeconds} s)");
        // Two seconds of slack for this test's own polling and a busy two-core machine.
        Assert.True(takeover <= lease.Duration + lease.RetryPeriod + TimeSpan.FromSeconds(2), $"takeover took {takeover}");

        await TaskRunClient.CreateAsync(fixture.Client, SeedTaskRun.Build(ns, "after"));
        await WaitAllRunningAsync(ns, 4);
        var jobs = await Cluster.JobsAsync(fixture.Client, ns);
        Assert.Equal(4, jobs.Count);
        Assert.Equal(jobs.Count, jobs.Select(j => j.Metadata.Name).Distinct().Count());
    }

    [Fact]
    public async Task A_graceful_stop_of_the_leader_hands_the_lease_over_before_it_would_expire()
    {
        var ns = await fixture.CreateNamespaceAsync();
        var lease = LeaseTimings.Short with { Duration = TimeSpan.FromSeconds(10), RenewDeadline = TimeSpan.FromSeconds(8) };
        await using var first = ControllerProcess.Start(fixture, ns, "first", lease);
        await WaitForLeaderAsync(ns, "first");
        await using var second = ControllerProcess.Start(fixture, ns, "second", lease);
        await Eventually.HoldsAsync(() => second.MetricAsync("taskrun_controller_leader").ContinueWith(t => t.IsCompletedSuccessfully), up => up, "the standby to serve metrics");

        var stoppedAt = Stopwatch.StartNew();
        var terminated = await first.TerminateAsync();
        Assert.True(terminated.Succeeded, terminated.ToString());
        await WaitForLeaderAsync(ns, "second", TimeSpan.FromSeconds(30));
        var handover = stoppedAt.Elapsed;
        output.WriteLine($"handover after SIGTERM: {handover.TotalSeconds:0.0} s (lease {lease.Duration.TotalSeconds} s)");

        Assert.True(handover < lease.Duration, $"handover took {handover}, as long as waiting for the lease to expire");
        await TaskRunClient.CreateAsync(fixture.Client, SeedTaskRun.Build(ns, "after-handover"));
        await WaitAllRunningAsync(ns, 1);
    }

    [Fact]
    public async Task A_leader_and_a_standby_ride_out_two_API_server_restarts_of_8_s_each_and_new_TaskRuns_run_right_after()
    {
        var ns = await fixture.CreateNamespaceAsync();
        // A renew deadline longer than the outage (8 s stopped plus the API server's own start-up, which took up to
        // 17 s on a busy two-core machine): the leader keeps leading through it.
        var lease = new LeaseTimings(TimeSpan.FromSeconds(60), TimeSpan.FromSeconds(45), TimeSpan.FromSeconds(2));
        await using var first = ControllerProcess.Start(fixture, ns, "first", lease);
        await WaitForLeaderAsync(ns, "first");
        await using var second = ControllerProcess.Start(fixture, ns, "second", lease);
        await Eventually.HoldsAsync(() => second.MetricAsync("taskrun_controller_leader").ContinueWith(t => t.IsCompletedSuccessfully), up => up, "the standby to serve metrics");
        await TaskRunClient.CreateAsync(fixture.Client, SeedTaskRun.Build(ns, "before"));
        await WaitAllRunningAsync(ns, 1);

        for (var round = 1; round <= 2; round++)
        {
            var outage = Stopwatch.StartNew();
            var restarted = await fixture.ControlPlane.RunScriptAsync("restart-apiserver",
                environment: new Dictionary<string, string> { ["APISERVER_DOWN_SECONDS"] = "8" });
            Assert.True(restarted.Succeeded, restarted.ToString());
            var back = Stopwatch.StartNew();
            output.WriteLine($"restart {round}: API server unavailable for about {outage.Elapsed.TotalSeconds:0.0} s (8 s stopped, then start-up)");
            Assert.False(first.HasExited, $"the leader exited during restart {round}:\n{first.ReadLog()}");
            Assert.False(second.HasExited, $"the standby exited during restart {round}:\n{second.ReadLog()}");

            await CreateRetryingAsync(ns, $"after-restart-{round}");
            await Cluster.WaitRunningAsync(fixture.Client, ns, 1 + round, TimeSpan.FromSeconds(30) - back.Elapsed);
            output.WriteLine($"restart {round}: a new TaskRun was Running {back.Elapsed.TotalSeconds:0.0} s after the API server was back");
        }

        Assert.False(first.HasExited, first.ReadLog());
        Assert.False(second.HasExited, second.ReadLog());
        // The leader rode both outages out: it never lost the Lease, so no failover was needed.
        Assert.Equal("first", await WaitForLeaderAsync(ns, null));
        Assert.Equal(1, await first.MetricAsync("taskrun_controller_leader"));
        Assert.Equal(0, await second.MetricAsync("taskrun_controller_leader"));
    }

    [Fact]
    public async Task An_outage_longer_than_the_renew_deadline_stops_the_leader_at_the_deadline_and_the_standby_survives_and_takes_over()
    {
        var ns = await fixture.CreateNamespaceAsync();
        var lease = LeaseTimings.Short;
        await using var first = ControllerProcess.Start(fixture, ns, "first", lease);
        await WaitForLeaderAsync(ns, "first");
        await using var second = ControllerProcess.Start(fixture, ns, "second", lease);
        await Eventually.HoldsAsync(() => second.MetricAsync("taskrun_controller_leader").ContinueWith(t => t.IsCompletedSuccessfully), up => up, "the standby to serve metrics");

        var outage = Stopwatch.StartNew();
        var restarted = await fixture.ControlPlane.RunScriptAsync("restart-apiserver",
            environment: new Dictionary<string, string> { ["APISERVER_DOWN_SECONDS"] = "8" });
        Assert.True(restarted.Succeeded, restarted.ToString());
        var back = Stopwatch.StartNew();
        output.WriteLine($"API server unavailable for about {outage.Elapsed.TotalSeconds:0.0} s; renew deadline {lease.RenewDeadline.TotalSeconds} s");

        // The leader gave up at its deadline, inside the outage, and stopped its process (a Deployment restarts it).
        await Eventually.HoldsAsync(() => Task.FromResult(first.HasExited), exited => exited, "the leader to stop after its renew deadline", TimeSpan.FromSeconds(10));
        Assert.Contains("past the renew deadline", first.ReadLog(), StringComparison.Ordinal);
        Assert.False(second.HasExited, $"the standby died in the outage:\n{second.ReadLog()}");

        await WaitForLeaderAsync(ns, "second", TimeSpan.FromSeconds(30));
        output.WriteLine($"the standby leads {back.Elapsed.TotalSeconds:0.0} s after the API server was back");
        await CreateRetryingAsync(ns, "after-outage");
        await WaitAllRunningAsync(ns, 1);
    }

    private async Task CreateRetryingAsync(string ns, string name) =>
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
        }, created => created, $"TaskRun {name} created", TimeSpan.FromSeconds(20));

    private async Task<string> WaitForLeaderAsync(string ns, string? identity, TimeSpan? timeout = null)
    {
        var holder = await Eventually.HoldsAsync(async () =>
        {
            try
            {
                return (await fixture.Client.CoordinationV1.ReadNamespacedLeaseAsync(LeaseName, ns)).Spec?.HolderIdentity;
            }
            catch (k8s.Autorest.HttpOperationException)
            {
                return null;
            }
        }, h => !string.IsNullOrEmpty(h) && (identity is null || h == identity), $"lease held by {identity ?? "anyone"}", timeout ?? TimeSpan.FromSeconds(60));
        return holder!;
    }

    private Task WaitAllRunningAsync(string ns, int count) =>
        Cluster.WaitRunningAsync(fixture.Client, ns, count, TimeSpan.FromSeconds(60));
}
