using k8s;
using k8s.LeaderElection;
using k8s.LeaderElection.ResourceLock;

namespace TaskRun.Controller.Hosting;

/// <summary>
/// Runs work only while this replica holds the Lease. Leadership lost means the work is cancelled at once and
/// the process asked to stop (its Deployment restarts it as a standby): two active controllers never overlap
/// longer than the renew deadline allows. Lease errors, HTTP ones included, are logged, never swallowed.
/// A graceful stop releases the Lease so the standby takes over without waiting for it to expire.
/// </summary>
public sealed class LeaderElection(
    IKubernetes client,
    string leaseNamespace,
    LeaderElectionSettings settings,
    ControllerMetrics metrics,
    ILogger<LeaderElection> logger)
{
    public string Identity { get; } = settings.Identity ?? $"{Environment.MachineName}-{Guid.NewGuid().ToString("N")[..8]}";

    /// <summary>Returns when leadership was lost or <paramref name="cancellationToken"/> fired.</summary>
    public async Task RunWhileLeadingAsync(Func<CancellationToken, Task> work, CancellationToken cancellationToken)
    {
        var leaseLock = new LeaseLock(client, leaseNamespace, settings.LeaseName, Identity);
        leaseLock.OnHttpError += error =>
            logger.LogError(error, "lease {Namespace}/{Lease} request failed: HTTP {Status}", leaseNamespace, settings.LeaseName, (int?)error.Response?.StatusCode);
        using var elector = new LeaderElector(new LeaderElectionConfig(leaseLock)
        {
            LeaseDuration = settings.LeaseDuration,
            RenewDeadline = settings.RenewDeadline,
            RetryPeriod = settings.RetryPeriod,
        });
        using var leading = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        Task? running = null;
        elector.OnError += e => logger.LogError(e, "leader election error on lease {Namespace}/{Lease}", leaseNamespace, settings.LeaseName);
        elector.OnNewLeader += leader => logger.LogInformation("leader is now {Leader}", leader);
        elector.OnStartedLeading += () =>
        {
            metrics.SetLeader(true);
            logger.LogInformation("{Identity} became the leader; starting work", Identity);
            running = Task.Run(() => work(leading.Token), CancellationToken.None);
        };
        elector.OnStoppedLeading += () =>
        {
            metrics.SetLeader(false);
            leading.Cancel();
        };

        try
        {
            await elector.RunUntilLeadershipLostAsync(cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // A graceful stop: fall through to stop the work and release the lease.
        }

        metrics.SetLeader(false);
        await leading.CancelAsync();
        if (running is not null)
        {
            await running.ContinueWith(_ => { }, TaskScheduler.Default);
        }

        if (cancellationToken.IsCancellationRequested && running is not null)
        {
            await ReleaseAsync(leaseLock);
        }
    }

    /// <summary>Hands the Lease back on a graceful stop, as client-go's ReleaseOnCancel does.</summary>
    private async Task ReleaseAsync(LeaseLock leaseLock)
    {
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            var current = await leaseLock.GetAsync(timeout.Token);
            if (current.HolderIdentity != Identity)
            {
                return;
            }

            var now = DateTime.UtcNow;
            await leaseLock.UpdateAsync(new LeaderElectionRecord
            {
                HolderIdentity = "",
                LeaseDurationSeconds = 1,
                AcquireTime = now,
                RenewTime = now,
                LeaderTransitions = current.LeaderTransitions,
            }, timeout.Token);
            logger.LogInformation("released lease {Namespace}/{Lease}", leaseNamespace, settings.LeaseName);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            logger.LogWarning(e, "could not release lease {Namespace}/{Lease}; the standby takes over when it expires", leaseNamespace, settings.LeaseName);
        }
    }
}
