using k8s;
using k8s.LeaderElection.ResourceLock;
using Microsoft.Extensions.Logging;

namespace TaskRun.Runtime.Leadership;

/// <summary>
/// Runs work only while this replica holds the Lease. A standby waits through any API server outage; a leader
/// rides out blips shorter than the renew deadline (see <see cref="LeaderElectionLoop"/>). Leadership really
/// lost means the work is cancelled at once and the method returns, so the process stops and its Deployment
/// (or hack/controller-up.sh locally) restarts it as a standby: two active controllers never overlap, because
/// a leader stops at its renew deadline, before the lease duration after which a standby may take over.
/// A graceful stop releases the Lease so the standby takes over without waiting for it to expire.
/// </summary>
public sealed class LeaderElection(
    IKubernetes client,
    string leaseNamespace,
    LeaderElectionSettings settings,
    ILeaderMetrics metrics,
    ILogger<LeaderElection> logger)
{
    public string Identity { get; } = settings.Identity ?? $"{Environment.MachineName}-{Guid.NewGuid().ToString("N")[..8]}";

    /// <summary>Returns when leadership was lost or <paramref name="cancellationToken"/> fired.</summary>
    public async Task RunWhileLeadingAsync(Func<CancellationToken, Task> work, CancellationToken cancellationToken)
    {
        var elector = new LeaderElectionLoop(new LeaseLock(client, leaseNamespace, settings.LeaseName, Identity), settings, TimeProvider.System, logger);
        elector.NewLeader += leader => logger.LogInformation("leader is now {Leader}", leader);
        if (!await elector.AcquireAsync(cancellationToken))
        {
            return;
        }

        metrics.SetLeader(true);
        logger.LogInformation("{Identity} became the leader; starting work", Identity);
        using var leading = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var running = Task.Run(() => work(leading.Token), CancellationToken.None);
        var end = await HoldUnlessWorkEndsAsync(elector, running, cancellationToken);

        metrics.SetLeader(false);
        await leading.CancelAsync();
        await running.ContinueWith(_ => { }, TaskScheduler.Default);
        if (end == LeaderElectionLoop.HoldEnd.Stopped)
        {
            await ReleaseAsync(elector);
        }
    }

    /// <summary>
    /// Work that ends by itself (it should not) ends the hold as a voluntary stop: the Lease is released and,
    /// the process not being asked to stop, it stops itself and restarts as a standby.
    /// </summary>
    private async Task<LeaderElectionLoop.HoldEnd> HoldUnlessWorkEndsAsync(LeaderElectionLoop elector, Task running, CancellationToken cancellationToken)
    {
        using var holding = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var hold = elector.HoldAsync(holding.Token);
        if (await Task.WhenAny(hold, running) == hold)
        {
            return await hold;
        }

        logger.LogError(running.Exception, "the work ended while leading; giving up the lease");
        await holding.CancelAsync();
        await hold;
        return LeaderElectionLoop.HoldEnd.Stopped;
    }

    /// <summary>Hands the Lease back on a graceful stop, as client-go's ReleaseOnCancel does, when the API server answers.</summary>
    private async Task ReleaseAsync(LeaderElectionLoop elector)
    {
        try
        {
            if (await elector.ReleaseAsync(TimeSpan.FromSeconds(5)))
            {
                logger.LogInformation("released lease {Namespace}/{Lease}", leaseNamespace, settings.LeaseName);
                return;
            }

            logger.LogWarning("could not release lease {Namespace}/{Lease} (write refused); the standby takes over when it expires", leaseNamespace, settings.LeaseName);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            logger.LogWarning("could not release lease {Namespace}/{Lease} ({Error}); the standby takes over when it expires",
                leaseNamespace, settings.LeaseName, e.Message);
        }
    }
}

/// <summary>What leader election reports; the host maps it to Prometheus (leader_election_master_status).</summary>
public interface ILeaderMetrics
{
    void SetLeader(bool isLeader);
}
