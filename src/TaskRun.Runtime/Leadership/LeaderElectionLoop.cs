using k8s.Autorest;
using k8s.LeaderElection;
using Microsoft.Extensions.Logging;

namespace TaskRun.Runtime.Leadership;

/// <summary>
/// Acquires and renews the leader Lease the way client-go does, over the client library's Lease lock. The
/// library's own LeaderElector (KubernetesClient 21) cannot be used: an exception that is not an HTTP answer
/// (connection refused while the API server restarts) escapes its acquire loop, which kills a standby, and
/// ends its renew loop at the first failure, which drops a healthy leader one retry period into a blip.
/// Here every failure is one attempt that failed: a standby keeps trying each retry period, and a leader keeps
/// leading until the renew deadline has really passed since its last successful renewal. Each attempt logs
/// at most one line, and attempts are one retry period apart.
/// </summary>
public sealed class LeaderElectionLoop
{
    private readonly ILock lease;
    private readonly LeaderElectionSettings settings;
    private readonly TimeProvider time;
    private readonly ILogger logger;
    private LeaderElectionRecord? observed;
    private long observedAt;
    private string? reportedLeader;
    private HttpOperationException? lastHttpError;
    private long lastHeldAttemptStarted;

    public LeaderElectionLoop(ILock lease, LeaderElectionSettings settings, TimeProvider time, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(lease);
        this.lease = lease;
        this.settings = settings;
        this.time = time;
        this.logger = logger;
        if (lease is k8s.LeaderElection.ResourceLock.LeaseLock leaseLock)
        {
            // The lock reports an HTTP error through this event and returns false; keep it for the attempt's one log line.
            leaseLock.OnHttpError += error => lastHttpError = error;
        }
    }

    public string Identity => lease.Identity;

    /// <summary>Raised when another holder is first seen (or this replica), for logging.</summary>
    public event Action<string>? NewLeader;

    /// <summary>Tries each retry period (with jitter) until this replica holds the Lease; false when cancelled first.</summary>
    public async Task<bool> AcquireAsync(CancellationToken cancellationToken)
    {
        var failures = 0;
        while (!cancellationToken.IsCancellationRequested)
        {
            var attempt = await AttemptAsync(settings.RenewDeadline, cancellationToken);
            if (attempt.Outcome == Outcome.Held)
            {
                LogRecovered(failures, "acquired");
                return true;
            }

            if (attempt.Outcome != Outcome.Failed)
            {
                failures = LogRecovered(failures, "reached");
            }
            else
            {
                failures++;
                logger.LogWarning("lease {Lease}: acquire attempt {Failures} failed, retrying in {RetrySeconds} s: {Error}",
                    lease.Describe(), failures, settings.RetryPeriod.TotalSeconds, attempt.Error);
            }

            if (!await DelayAsync(Jittered(settings.RetryPeriod), cancellationToken))
            {
                return false;
            }
        }

        return false;
    }

    /// <summary>
    /// Renews each retry period while leading. Returns <see cref="HoldEnd.Lost"/> once the renew deadline has
    /// passed since the last successful renewal, or at once when another replica holds the Lease;
    /// <see cref="HoldEnd.Stopped"/> when <paramref name="cancellationToken"/> fires.
    /// </summary>
    public async Task<HoldEnd> HoldAsync(CancellationToken cancellationToken)
    {
        // Counted from when the winning request was sent: the API server may have written it any time after.
        var renewedAt = lastHeldAttemptStarted;
        var failures = 0;
        while (true)
        {
            if (!await DelayAsync(settings.RetryPeriod, cancellationToken))
            {
                return HoldEnd.Stopped;
            }

            var remaining = settings.RenewDeadline - time.GetElapsedTime(renewedAt);
            var attempt = remaining > TimeSpan.Zero ? await AttemptAsync(remaining, cancellationToken) : new Attempt(Outcome.Failed, "no time left to try");
            switch (attempt.Outcome)
            {
                case Outcome.Held:
                    renewedAt = lastHeldAttemptStarted;
                    failures = LogRecovered(failures, "renewed");
                    break;
                case Outcome.HeldByOther:
                    logger.LogError("lease {Lease} is now held by {Holder}; leadership lost", lease.Describe(), observed?.HolderIdentity);
                    return HoldEnd.Lost;
                case Outcome.Cancelled:
                    return HoldEnd.Stopped;
                default:
                    failures++;
                    var left = settings.RenewDeadline - time.GetElapsedTime(renewedAt);
                    if (left <= TimeSpan.Zero)
                    {
                        logger.LogError("lease {Lease}: not renewed for {Seconds:0.0} s, past the renew deadline of {Deadline} s ({Error}); leadership lost",
                            lease.Describe(), time.GetElapsedTime(renewedAt).TotalSeconds, settings.RenewDeadline.TotalSeconds, attempt.Error);
                        return HoldEnd.Lost;
                    }

                    logger.LogWarning("lease {Lease}: renewal attempt {Failures} failed, still leading for {LeftSeconds:0.0} s more at most: {Error}",
                        lease.Describe(), failures, left.TotalSeconds, attempt.Error);
                    break;
            }
        }
    }

    /// <summary>Hands the Lease back (empty holder) if this replica still holds it; false when it could not.</summary>
    public async Task<bool> ReleaseAsync(TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        var current = await lease.GetAsync(cancel.Token);
        if (current?.HolderIdentity != Identity)
        {
            return true;
        }

        var now = time.GetUtcNow().UtcDateTime;
        return await lease.UpdateAsync(new LeaderElectionRecord
        {
            HolderIdentity = "",
            LeaseDurationSeconds = 1,
            AcquireTime = now,
            RenewTime = now,
            LeaderTransitions = current.LeaderTransitions,
        }, cancel.Token);
    }

    /// <summary>One read-then-write of the Lease, bounded by <paramref name="timeout"/>; never throws but on cancellation.</summary>
    private async Task<Attempt> AttemptAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var bounded = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        bounded.CancelAfter(timeout);
        lastHttpError = null;
        var started = time.GetTimestamp();
        try
        {
            var attempt = await TryAcquireOrRenewAsync(bounded.Token);
            if (attempt.Outcome == Outcome.Held)
            {
                lastHeldAttemptStarted = started;
            }

            return attempt;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return new Attempt(Outcome.Cancelled, null);
        }
        catch (OperationCanceledException)
        {
            return new Attempt(Outcome.Failed, $"no answer within {timeout.TotalSeconds:0.0} s");
        }
        catch (Exception e) when (e is HttpRequestException or HttpOperationException or IOException or TimeoutException
            or System.Text.Json.JsonException or InvalidOperationException)
        {
            return new Attempt(Outcome.Failed, Describe(e));
        }
    }

    private async Task<Attempt> TryAcquireOrRenewAsync(CancellationToken cancellationToken)
    {
        LeaderElectionRecord? current;
        try
        {
            current = await lease.GetAsync(cancellationToken);
        }
        catch (HttpOperationException e) when (e.Response?.StatusCode == System.Net.HttpStatusCode.NotFound)
        {
            current = null;
        }

        var now = time.GetUtcNow().UtcDateTime;
        var mine = new LeaderElectionRecord
        {
            HolderIdentity = Identity,
            LeaseDurationSeconds = (int)Math.Ceiling(settings.LeaseDuration.TotalSeconds),
            AcquireTime = now,
            RenewTime = now,
        };
        if (current is null)
        {
            return await WrittenAsync(await lease.CreateAsync(mine, cancellationToken), mine);
        }

        if (!Equals(current, observed))
        {
            // The Lease's own times come from other clocks; what counts is how long this replica has seen it unchanged.
            observed = current;
            observedAt = time.GetTimestamp();
            ReportLeader(current.HolderIdentity);
        }

        var holder = current.HolderIdentity;
        var heldByOther = !string.IsNullOrEmpty(holder) && holder != Identity;
        if (heldByOther && time.GetElapsedTime(observedAt) < TimeSpan.FromSeconds(current.LeaseDurationSeconds))
        {
            return new Attempt(Outcome.HeldByOther, null);
        }

        if (holder == Identity)
        {
            mine.AcquireTime = current.AcquireTime;
            mine.LeaderTransitions = current.LeaderTransitions;
        }
        else
        {
            mine.LeaderTransitions = current.LeaderTransitions + 1;
        }

        return await WrittenAsync(await lease.UpdateAsync(mine, cancellationToken), mine);
    }

    private Task<Attempt> WrittenAsync(bool written, LeaderElectionRecord mine)
    {
        if (!written)
        {
            // 409: another replica wrote the Lease first; the next attempt reads what it wrote.
            var error = lastHttpError is { } e ? Describe(e) : "the write was refused";
            return Task.FromResult(new Attempt(Outcome.Failed, error));
        }

        observed = mine;
        observedAt = time.GetTimestamp();
        ReportLeader(Identity);
        return Task.FromResult(new Attempt(Outcome.Held, null));
    }

    private void ReportLeader(string? holder)
    {
        if (!string.IsNullOrEmpty(holder) && holder != reportedLeader)
        {
            reportedLeader = holder;
            NewLeader?.Invoke(holder);
        }
    }

    private int LogRecovered(int failures, string what)
    {
        if (failures > 0)
        {
            logger.LogInformation("lease {Lease}: {What} again after {Failures} failed attempts", lease.Describe(), what, failures);
        }

        return 0;
    }

    private async Task<bool> DelayAsync(TimeSpan delay, CancellationToken cancellationToken)
    {
        try
        {
            await Task.Delay(delay, time, cancellationToken);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    /// <summary>Up to 20% later, so replicas started together do not keep colliding.</summary>
    private static TimeSpan Jittered(TimeSpan period) => period * (1 + (Random.Shared.NextDouble() * 0.2));

    private static string Describe(Exception e) => e switch
    {
        HttpOperationException http => $"HTTP {(int?)http.Response?.StatusCode} {Truncate(http.Response?.Content)}",
        _ => e.InnerException is { } inner ? $"{e.Message} ({inner.Message})" : e.Message,
    };

    private static string Truncate(string? text) => text is null ? "" : text.Length > 200 ? text[..200] + "…" : text;

    public enum HoldEnd
    {
        Lost,
        Stopped,
    }

    private enum Outcome
    {
        Held,
        HeldByOther,
        Failed,
        Cancelled,
    }

    private readonly record struct Attempt(Outcome Outcome, string? Error);
}
