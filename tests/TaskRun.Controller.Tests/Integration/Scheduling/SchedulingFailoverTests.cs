using System.Collections.Concurrent;
using k8s;
using k8s.Models;
using TaskRun.Core.Api;
using TaskRun.Testing;
using Xunit;
using Xunit.Abstractions;

// WatchAsync over a list call is marked obsolete in favour of generated per-kind methods; the controller's
// informers use the same enumerator.
#pragma warning disable CS0618

namespace TaskRun.Controller.Tests.Integration.Scheduling;

/// <summary>The limit holds across a kill -9 of the leader in the middle of a burst: the new leader rebuilds the queue from the cluster.</summary>
[Collection(ControllerTests.Name)]
public sealed class SchedulingFailoverTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const int Limit = 3;
    private const int Burst = 24;
    private SchedulingCluster cluster = null!;

    public async Task InitializeAsync()
    {
        cluster = await SchedulingCluster.Shared;
        await cluster.ResetAsync();
    }

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task A_leader_killed_during_a_burst_never_lets_more_than_the_limit_run_and_the_new_leader_admits_the_rest()
    {
        await cluster.WriteConfigAsync($"scheduling:\n  maxActiveRuns: {Limit}\n");
        var namespaces = new[] { await cluster.CreateNamespaceAsync("burst-a"), await cluster.CreateNamespaceAsync("burst-b") };
        using var stop = new CancellationTokenSource();
        var counter = new ActiveJobCounter();
        var startVersion = (await cluster.Client.BatchV1.ListJobForAllNamespacesAsync()).Metadata.ResourceVersion;
        var watching = counter.WatchAsync(cluster.Client, startVersion, stop.Token);

        await using var first = Start("first");
        var leader = await WaitForLeaderAsync(null);
        await using var second = Start("second");
        var (active, standby) = leader == "first" ? (first, second) : (second, first);

        for (var i = 0; i < Burst; i++)
        {
            await cluster.CreateTaskRunAsync(namespaces[i % 2], $"burst-{i:00}", Priorities.All[i % 4]);
        }

        var finishing = FinishRandomJobsAsync(counter, stop.Token);
        await Eventually.HoldsAsync(() => Task.FromResult(counter.Created), n => n >= 8, "8 runs started by the first leader", TimeSpan.FromSeconds(60));
        active.Kill();
        output.WriteLine($"killed the leader after {counter.Created} runs had started");
        await WaitForLeaderAsync(standby.Identity);

        await Eventually.HoldsAsync(() => Task.FromResult(counter.Created), n => n == Burst, $"all {Burst} runs started", TimeSpan.FromSeconds(120));
        await stop.CancelAsync();
        await Task.WhenAll(finishing, watching).ContinueWith(_ => { }, TaskScheduler.Default);

        output.WriteLine($"max active ever seen: {counter.MaxActive} (limit {Limit}) over {counter.Events} Job events");
        Assert.True(counter.MaxActive <= Limit, $"{counter.MaxActive} Jobs were active at once; the limit is {Limit}");
        Assert.Equal(Limit, counter.MaxActive);
        Assert.Equal(Burst, (await cluster.JobsAsync()).Count);
    }

    private async Task FinishRandomJobsAsync(ActiveJobCounter counter, CancellationToken cancellationToken)
    {
        var random = new Random(16);
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(250, cancellationToken);
                var active = counter.Active;
                if (active.Count > 0)
                {
                    var job = active[random.Next(active.Count)];
                    await Cluster.FinishJobAsync(cluster.Client, job.Namespace, job.Name, "Complete");
                }
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private ControllerInstance Start(string identity)
    {
        var port = DotnetProcess.FreePort();
        var process = DotnetProcess.Start(DotnetProcess.ControllerProgram(),
        [
            $"--Controller:Kubeconfig={cluster.ControlPlane.KubeconfigPath}",
            $"--Controller:MetricsPort={port}",
            $"--Controller:SystemNamespace={SchedulingCluster.SystemNamespace}",
            "--Controller:WatchNamespace=",
            $"--Controller:LeaderElection:Identity={identity}",
            "--Controller:LeaderElection:LeaseDuration=00:00:04",
            "--Controller:LeaderElection:RenewDeadline=00:00:03",
            "--Controller:LeaderElection:RetryPeriod=00:00:01",
        ], Path.Combine(Path.GetTempPath(), $"scheduling-controller-{identity}-{Guid.NewGuid():N}.log"));
        return new ControllerInstance(process, identity);
    }

    private async Task<string> WaitForLeaderAsync(string? identity)
    {
        var holder = await Eventually.HoldsAsync(async () =>
        {
            try
            {
                return (await cluster.Client.CoordinationV1.ReadNamespacedLeaseAsync("taskrun-controller-leader", SchedulingCluster.SystemNamespace)).Spec?.HolderIdentity;
            }
            catch (k8s.Autorest.HttpOperationException)
            {
                return null;
            }
        }, h => !string.IsNullOrEmpty(h) && (identity is null || h == identity), $"lease held by {identity ?? "anyone"}", TimeSpan.FromSeconds(60));
        return holder!;
    }

    private sealed class ControllerInstance(DotnetProcess process, string identity) : IAsyncDisposable
    {
        public string Identity => identity;

        public void Kill() => process.Kill();

        public ValueTask DisposeAsync() => process.DisposeAsync();
    }

    /// <summary>Counts run Jobs active at every moment, from one watch of all namespaces (events come in resourceVersion order).</summary>
    private sealed class ActiveJobCounter
    {
        private readonly ConcurrentDictionary<(string Namespace, string Name), bool> active = new();
        private readonly HashSet<string> seen = [];
        private int maxActive;

        public int MaxActive => Volatile.Read(ref maxActive);

        public int Created
        {
            get
            {
                lock (seen)
                {
                    return seen.Count;
                }
            }
        }

        public int Events { get; private set; }

        public List<(string Namespace, string Name)> Active => [.. active.Keys];

        public async Task WatchAsync(IKubernetes client, string resourceVersion, CancellationToken cancellationToken)
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                try
                {
                    var stream = client.BatchV1.ListJobForAllNamespacesWithHttpMessagesAsync(
                        labelSelector: $"{TaskRunLabels.ManagedBy}={TaskRunLabels.ManagedByValue}", resourceVersion: resourceVersion,
                        timeoutSeconds: 300, watch: true, cancellationToken: cancellationToken);
                    await foreach (var (type, job) in stream.WatchAsync<V1Job, V1JobList>(cancellationToken: cancellationToken))
                    {
                        resourceVersion = job.Metadata.ResourceVersion;
                        Observe(type, job);
                    }
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }

        private void Observe(WatchEventType type, V1Job job)
        {
            Events++;
            var key = (job.Metadata.NamespaceProperty, job.Metadata.Name);
            lock (seen)
            {
                seen.Add($"{key.NamespaceProperty}/{key.Name}");
            }

            if (type == WatchEventType.Deleted || SchedulingCluster.Finished(job))
            {
                active.TryRemove(key, out _);
                return;
            }

            active[key] = true;
            var now = active.Count;
            if (now > maxActive)
            {
                Volatile.Write(ref maxActive, now);
            }
        }
    }
}
