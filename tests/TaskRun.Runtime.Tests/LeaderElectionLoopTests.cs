using k8s.LeaderElection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using TaskRun.Runtime.Leadership;
using Xunit;

namespace TaskRun.Runtime.Tests;

/// <summary>
/// The leader election rules on a scripted Lease and a manual clock: connection errors are failed attempts,
/// never the end of a standby or of a leader before its renew deadline; one log line per attempt.
/// (The real API server and processes: Integration/LeaderElectionTests.)
/// </summary>
public sealed class LeaderElectionLoopTests
{
    private static readonly LeaderElectionSettings Settings = new()
    {
        LeaseDuration = TimeSpan.FromSeconds(15),
        RenewDeadline = TimeSpan.FromSeconds(10),
        RetryPeriod = TimeSpan.FromSeconds(2),
    };

    private readonly FakeTimeProvider time = new(DateTimeOffset.Parse("2026-01-01T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
    private readonly ScriptedLease lease = new("me");
    private readonly CountingLogger logger = new();

    [Fact]
    public async Task A_leader_keeps_leading_through_failed_renewals_until_the_renew_deadline_and_no_longer()
    {
        var loop = new LeaderElectionLoop(lease, Settings, time, logger);
        Assert.True(await loop.AcquireAsync(CancellationToken.None));
        var hold = loop.HoldAsync(CancellationToken.None);

        lease.Unreachable = true;
        await AdvanceAsync(TimeSpan.FromSeconds(8));
        Assert.False(hold.IsCompleted, "leadership was given up before the renew deadline");
        Assert.Equal(4, logger.Warnings);

        await AdvanceAsync(TimeSpan.FromSeconds(4));
        Assert.True(hold.IsCompleted, "still leading past the renew deadline");
        Assert.Equal(LeaderElectionLoop.HoldEnd.Lost, await hold);
    }

    [Fact]
    public async Task A_blip_shorter_than_the_renew_deadline_is_ridden_out_and_renewing_resumes()
    {
        var loop = new LeaderElectionLoop(lease, Settings, time, logger);
        Assert.True(await loop.AcquireAsync(CancellationToken.None));
        using var stop = new CancellationTokenSource();
        var hold = loop.HoldAsync(stop.Token);

        lease.Unreachable = true;
        await AdvanceAsync(TimeSpan.FromSeconds(6));
        lease.Unreachable = false;
        await AdvanceAsync(TimeSpan.FromSeconds(30));

        Assert.False(hold.IsCompleted);
        Assert.Equal("me", lease.Record!.HolderIdentity);
        Assert.Equal(time.GetUtcNow().UtcDateTime, lease.Record.RenewTime!.Value, TimeSpan.FromSeconds(2));
        await stop.CancelAsync();
        Assert.Equal(LeaderElectionLoop.HoldEnd.Stopped, await hold);
    }

    [Fact]
    public async Task A_standby_survives_a_long_outage_and_waits_a_lease_duration_for_a_holder_that_renewed_meanwhile()
    {
        lease.Record = Held("other", renewedSecondsAgo: 0);
        var loop = new LeaderElectionLoop(lease, Settings, time, logger);
        var acquire = loop.AcquireAsync(CancellationToken.None);
        await AdvanceAsync(TimeSpan.FromSeconds(4));
        Assert.False(acquire.IsCompleted, "took a lease another replica holds");

        lease.Unreachable = true;
        await AdvanceAsync(TimeSpan.FromSeconds(60));
        Assert.False(acquire.IsCompleted);
        Assert.False(acquire.IsFaulted);
        Assert.True(logger.Warnings >= 20, $"{logger.Warnings} warnings for 60 s of failed attempts");

        // Back, and the holder renewed meanwhile (only this replica was cut off): a lease duration from now.
        lease.Record = Held("other", renewedSecondsAgo: 0);
        lease.Unreachable = false;
        await AdvanceAsync(TimeSpan.FromSeconds(10));
        Assert.False(acquire.IsCompleted, "took the lease before it had been seen unrenewed for a lease duration");
        await AdvanceAsync(TimeSpan.FromSeconds(10));
        Assert.True(await acquire);
        Assert.Equal("me", lease.Record!.HolderIdentity);
        Assert.Equal(1, lease.Record.LeaderTransitions);
    }

    [Fact]
    public async Task After_an_outage_in_which_the_holder_could_not_renew_either_the_standby_takes_over_at_once()
    {
        lease.Record = Held("other", renewedSecondsAgo: 0);
        var loop = new LeaderElectionLoop(lease, Settings, time, logger);
        var acquire = loop.AcquireAsync(CancellationToken.None);
        await AdvanceAsync(TimeSpan.FromSeconds(2));
        lease.Unreachable = true;
        await AdvanceAsync(TimeSpan.FromSeconds(30));

        // The record is the one seen 30 s ago: its holder stopped at its renew deadline long since.
        lease.Unreachable = false;
        await AdvanceAsync(TimeSpan.FromSeconds(3));

        Assert.True(acquire.IsCompleted);
        Assert.True(await acquire);
    }

    [Fact]
    public async Task A_leader_whose_lease_was_taken_stops_at_once()
    {
        var loop = new LeaderElectionLoop(lease, Settings, time, logger);
        Assert.True(await loop.AcquireAsync(CancellationToken.None));
        var hold = loop.HoldAsync(CancellationToken.None);

        lease.Record = Held("other", renewedSecondsAgo: 0);
        await AdvanceAsync(TimeSpan.FromSeconds(2));

        Assert.True(hold.IsCompleted);
        Assert.Equal(LeaderElectionLoop.HoldEnd.Lost, await hold);
    }

    private LeaderElectionRecord Held(string holder, int renewedSecondsAgo) => new()
    {
        HolderIdentity = holder,
        LeaseDurationSeconds = 15,
        AcquireTime = time.GetUtcNow().UtcDateTime.AddMinutes(-5),
        RenewTime = time.GetUtcNow().UtcDateTime.AddSeconds(-renewedSecondsAgo),
    };

    /// <summary>Moves the clock one second at a time, letting the loop run after each step.</summary>
    private async Task AdvanceAsync(TimeSpan by)
    {
        for (var step = TimeSpan.Zero; step < by; step += TimeSpan.FromSeconds(1))
        {
            time.Advance(TimeSpan.FromSeconds(1));
            for (var i = 0; i < 5; i++)
            {
                await Task.Delay(5);
            }
        }
    }

    /// <summary>An in-memory Lease that can be made unreachable (connection refused).</summary>
    private sealed class ScriptedLease(string identity) : ILock
    {
        public LeaderElectionRecord? Record { get; set; }

        public bool Unreachable { get; set; }

        public string Identity => identity;

        public Task<LeaderElectionRecord> GetAsync(CancellationToken cancellationToken = default) =>
            Unreachable ? Task.FromException<LeaderElectionRecord>(new HttpRequestException("Connection refused"))
            : Record is null ? Task.FromException<LeaderElectionRecord>(NotFound())
            : Task.FromResult(Copy(Record));

        public Task<bool> CreateAsync(LeaderElectionRecord record, CancellationToken cancellationToken = default) => WriteAsync(record);

        public Task<bool> UpdateAsync(LeaderElectionRecord record, CancellationToken cancellationToken = default) => WriteAsync(record);

        public string Describe() => "test/lease";

        private Task<bool> WriteAsync(LeaderElectionRecord record)
        {
            if (Unreachable)
            {
                return Task.FromException<bool>(new HttpRequestException("Connection refused"));
            }

            Record = Copy(record);
            return Task.FromResult(true);
        }

        private static k8s.Autorest.HttpOperationException NotFound() => new()
        {
            Response = new k8s.Autorest.HttpResponseMessageWrapper(new HttpResponseMessage(System.Net.HttpStatusCode.NotFound), ""),
        };

        private static LeaderElectionRecord Copy(LeaderElectionRecord r) => new()
        {
            HolderIdentity = r.HolderIdentity,
            LeaseDurationSeconds = r.LeaseDurationSeconds,
            AcquireTime = r.AcquireTime,
            RenewTime = r.RenewTime,
            LeaderTransitions = r.LeaderTransitions,
        };
    }

    private sealed class CountingLogger : ILogger
    {
        private int warnings;

        public int Warnings => Volatile.Read(ref warnings);

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (logLevel == LogLevel.Warning)
            {
                Interlocked.Increment(ref warnings);
            }
        }
    }
}
