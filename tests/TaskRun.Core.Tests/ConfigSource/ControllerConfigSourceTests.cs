using System.Collections.Concurrent;
using System.Net;
using k8s;
using k8s.Autorest;
using k8s.Models;
using NSubstitute;
using TaskRun.Core.Config;
using TaskRun.Runtime;
using Xunit;
using static TaskRun.Core.Tests.ConfigSource.ScriptedConfigMapClient;

namespace TaskRun.Core.Tests.ConfigSource;

public sealed class ControllerConfigSourceTests
{
    private const string BackoffTwo = "job:\n  backoffLimit: 2\n";
    private const string BackoffFive = "job:\n  backoffLimit: 5\n";
    private const string Invalid = "job:\n  backoffLimit: -1\n";

    private static readonly ControllerConfigSourceOptions Options = new()
    {
        Namespace = Namespace,
        WatchTimeout = TimeSpan.FromMinutes(5),
        WatchTimeoutGrace = TimeSpan.FromSeconds(30),
        MinRetryDelay = TimeSpan.FromSeconds(1),
        MaxRetryDelay = TimeSpan.FromSeconds(8),
    };

    [Fact]
    public async Task Starts_with_the_defaults_then_applies_the_listed_ConfigMap()
    {
        var script = new ScriptedConfigMapClient().List(ConfigMap(BackoffTwo, "11"));
        var source = new ControllerConfigSource(script.Client, Options, new ManualTimeProvider());
        Assert.Same(ControllerConfig.Default, source.Current);
        Assert.False(source.HasSynced);

        await using var run = SourceRun.Start(source);
        await source.WaitForSyncAsync().WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(2, source.Current.Job.BackoffLimit);
        Assert.Equal(ConfigOrigin.ConfigMap, source.Origin);
        Assert.Equal("11", source.ResourceVersion);
        var changed = Assert.Single(run.Changed);
        Assert.Equal(ConfigOrigin.ConfigMap, changed.Origin);
        Assert.Equal(1, script.ListCalls);
    }

    [Fact]
    public async Task A_missing_ConfigMap_means_the_defaults_said_loudly()
    {
        var script = new ScriptedConfigMapClient().List(null);
        var source = new ControllerConfigSource(script.Client, Options, new ManualTimeProvider());

        await using var run = SourceRun.Start(source);
        await run.WaitAsync(() => run.Changed.Count == 1);

        Assert.Same(ControllerConfig.Default, source.Current);
        Assert.Equal(ConfigOrigin.BuiltInDefaults, run.Changed.Single().Origin);
        Assert.Contains("does not exist", run.Changed.Single().Description, StringComparison.Ordinal);
        Assert.True(source.HasSynced);
    }

    [Fact]
    public async Task Follows_updates_and_falls_back_to_the_defaults_when_the_ConfigMap_is_deleted()
    {
        var script = new ScriptedConfigMapClient()
            .List(ConfigMap(BackoffTwo, "11"))
            .Watch(
                (WatchEventType.Modified, ConfigMap(BackoffFive, "12")),
                (WatchEventType.Deleted, ConfigMap(BackoffFive, "13")));
        var source = new ControllerConfigSource(script.Client, Options, new ManualTimeProvider());

        await using var run = SourceRun.Start(source);
        await run.WaitAsync(() => run.Changed.Count == 3);

        Assert.Equal([2, 5, 3], run.Changed.Select(c => c.Config.Job.BackoffLimit));
        Assert.Equal(ConfigOrigin.BuiltInDefaults, run.Changed.Last().Origin);
        Assert.Contains("was deleted", run.Changed.Last().Description, StringComparison.Ordinal);
        Assert.Same(ControllerConfig.Default, source.Current);
    }

    [Fact]
    public async Task An_invalid_update_keeps_the_last_good_config_and_is_reported_once()
    {
        var script = new ScriptedConfigMapClient()
            .List(ConfigMap(BackoffTwo, "11"))
            .Watch(
                (WatchEventType.Modified, ConfigMap(Invalid, "12")),
                (WatchEventType.Modified, ConfigMap(Invalid, "13")),
                (WatchEventType.Modified, ConfigMap(BackoffFive, "14")));
        var source = new ControllerConfigSource(script.Client, Options, new ManualTimeProvider());

        await using var run = SourceRun.Start(source);
        await run.WaitAsync(() => run.Changed.Count == 2);

        var rejected = Assert.Single(run.Rejected);
        Assert.Equal("job.backoffLimit", Assert.Single(rejected.Errors).Key);
        Assert.Equal("12", rejected.ConfigMap.Metadata.ResourceVersion);
        Assert.Equal(2, rejected.Kept.Job.BackoffLimit);
        Assert.Equal(5, source.Current.Job.BackoffLimit);
    }

    [Fact]
    public async Task An_invalid_ConfigMap_at_start_fails_closed_with_the_safe_defaults_until_a_valid_one_appears()
    {
        var script = new ScriptedConfigMapClient()
            .List(ConfigMap(Invalid, "11"))
            .Watch((WatchEventType.Modified, ConfigMap(Invalid + "# same problem\n", "12")), (WatchEventType.Modified, ConfigMap(BackoffTwo, "13")));
        var source = new ControllerConfigSource(script.Client, Options, new ManualTimeProvider());
        var blockedWhileInvalid = new List<string?>();
        source.Rejected += (_, e) => blockedWhileInvalid.Add(e.Blocked ? source.BlockedReason : "not blocked");

        await using var run = SourceRun.Start(source);
        await run.WaitAsync(() => run.Changed.Count == 1);

        Assert.Equal(2, blockedWhileInvalid.Count);
        Assert.All(blockedWhileInvalid, reason => Assert.Contains("job.backoffLimit", reason, StringComparison.Ordinal));
        Assert.Null(source.BlockedReason);
        Assert.Equal(ConfigOrigin.ConfigMap, source.Origin);
        Assert.Equal(2, source.Current.Job.BackoffLimit);
    }

    [Fact]
    public async Task An_invalid_ConfigMap_at_start_blocks_and_its_deletion_unblocks_with_the_defaults()
    {
        var script = new ScriptedConfigMapClient()
            .List(ConfigMap(Invalid, "11"))
            .Watch((WatchEventType.Deleted, ConfigMap(Invalid, "12")));
        var source = new ControllerConfigSource(script.Client, Options, new ManualTimeProvider());
        string? blocked = null;
        source.Rejected += (_, _) => blocked = source.BlockedReason;

        await using var run = SourceRun.Start(source);
        await run.WaitAsync(() => run.Changed.Count == 1);

        Assert.NotNull(blocked);
        Assert.Null(source.BlockedReason);
        Assert.Equal(ConfigOrigin.BuiltInDefaults, source.Origin);
        Assert.Same(ControllerConfig.Default, source.Current);
        Assert.False(source.Current.Agent.AllowOverrides);
    }

    [Fact]
    public async Task An_invalid_update_after_a_good_config_keeps_the_good_one_and_does_not_block()
    {
        var script = new ScriptedConfigMapClient()
            .List(ConfigMap(BackoffTwo, "11"))
            .Watch((WatchEventType.Modified, ConfigMap(Invalid, "12")));
        var source = new ControllerConfigSource(script.Client, Options, new ManualTimeProvider());

        await using var run = SourceRun.Start(source);
        await run.WaitAsync(() => run.Rejected.Count == 1);

        Assert.False(run.Rejected[0].Blocked);
        Assert.Null(source.BlockedReason);
        Assert.Equal(2, source.Current.Job.BackoffLimit);
    }

    [Fact]
    public async Task An_update_that_keeps_the_config_text_changes_nothing()
    {
        var script = new ScriptedConfigMapClient()
            .List(ConfigMap(BackoffTwo, "11"))
            .Watch((WatchEventType.Modified, ConfigMap(BackoffTwo, "12")), (WatchEventType.Modified, ConfigMap(BackoffFive, "13")));
        var source = new ControllerConfigSource(script.Client, Options, new ManualTimeProvider());

        await using var run = SourceRun.Start(source);
        await run.WaitAsync(() => run.Changed.Count == 2);

        Assert.Equal(["11", "13"], run.Changed.Select(c => c.ResourceVersion));
    }

    [Fact]
    public async Task Gone_reported_through_onError_forces_a_relist()
    {
        var gone = new KubernetesException(new V1Status { Code = 410, Reason = "Expired", Message = "too old resource version: 11 (40)" });
        var script = new ScriptedConfigMapClient()
            .List(ConfigMap(BackoffTwo, "11"))
            .WatchThenError(gone)
            .List(ConfigMap(BackoffFive, "40"), resourceVersion: "41");
        var source = new ControllerConfigSource(script.Client, Options, new ManualTimeProvider());

        await using var run = SourceRun.Start(source);
        await run.WaitAsync(() => run.Changed.Count == 2);

        Assert.Equal(5, source.Current.Job.BackoffLimit);
        Assert.Empty(run.Failed);
        Assert.Equal(2, script.ListCalls);
    }

    [Fact]
    public async Task A_failed_list_is_reported_with_its_retry_delay_and_retried()
    {
        var script = new ScriptedConfigMapClient()
            .ListFails(new HttpRequestException("connection refused"))
            .List(ConfigMap(BackoffTwo, "11"));
        var source = new ControllerConfigSource(script.Client, Options, new ManualTimeProvider());

        await using var run = SourceRun.Start(source);
        await run.WaitAsync(() => run.Changed.Count == 1);

        var failed = Assert.Single(run.Failed);
        Assert.IsType<HttpRequestException>(failed.Error);
        Assert.InRange(failed.RetryIn.TotalSeconds, 0.5, 1);
        Assert.Equal(2, source.Current.Job.BackoffLimit);
    }

    [Fact]
    public async Task Events_for_another_name_are_ignored()
    {
        var script = new ScriptedConfigMapClient()
            .List(ConfigMap(BackoffTwo, "11"))
            .Watch((WatchEventType.Modified, ConfigMap(BackoffFive, "12", name: "something-else")), (WatchEventType.Deleted, ConfigMap(null, "13", name: "something-else")));
        var source = new ControllerConfigSource(script.Client, Options, new ManualTimeProvider());

        await using var run = SourceRun.Start(source);
        await run.WaitAsync(() => script.WatchCalls.Count == 2);

        Assert.Single(run.Changed);
        Assert.Equal(2, source.Current.Job.BackoffLimit);
    }

    [Fact]
    public async Task A_subscriber_that_throws_does_not_stop_the_watch()
    {
        var script = new ScriptedConfigMapClient()
            .List(ConfigMap(BackoffTwo, "11"))
            .Watch((WatchEventType.Modified, ConfigMap(BackoffFive, "12")));
        var source = new ControllerConfigSource(script.Client, Options, new ManualTimeProvider());
        source.Changed += (_, _) => throw new InvalidOperationException("subscriber bug");

        await using var run = SourceRun.Start(source);
        await run.WaitAsync(() => run.Changed.Count == 2);

        Assert.Equal(5, source.Current.Job.BackoffLimit);
        Assert.All(run.Failed, f => Assert.Contains("subscriber bug", f.Error.Message, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Cancellation_ends_the_run()
    {
        var script = new ScriptedConfigMapClient().List(null);
        var source = new ControllerConfigSource(script.Client, Options, new ManualTimeProvider());
        using var cancel = new CancellationTokenSource();
        var running = source.RunAsync(cancel.Token);
        await source.WaitForSyncAsync().WaitAsync(TimeSpan.FromSeconds(30));

        await cancel.CancelAsync();

        await running.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.True(running.IsCompletedSuccessfully);
    }

    [Theory]
    [InlineData("", "x", 300, 1, 30)]
    [InlineData("ns", "x", 0, 1, 30)]
    [InlineData("ns", "x", 300, 0, 30)]
    [InlineData("ns", "x", 300, 10, 5)]
    public void Bad_options_are_refused(string ns, string name, int watchSeconds, int minRetrySeconds, int maxRetrySeconds)
    {
        var options = new ControllerConfigSourceOptions
        {
            Namespace = ns,
            Name = name,
            WatchTimeout = TimeSpan.FromSeconds(watchSeconds),
            MinRetryDelay = TimeSpan.FromSeconds(minRetrySeconds),
            MaxRetryDelay = TimeSpan.FromSeconds(maxRetrySeconds),
        };
        Assert.Throws<ArgumentException>(() => new ControllerConfigSource(Substitute.For<IResourceClient<V1ConfigMap>>(), options));
    }

    /// <summary>A running source and what it reported.</summary>
    private sealed class SourceRun : IAsyncDisposable
    {
        private readonly CancellationTokenSource cancel = new();
        private readonly Task running;
        private readonly ConcurrentQueue<ConfigChangedEventArgs> changed = new();
        private readonly ConcurrentQueue<ConfigRejectedEventArgs> rejected = new();
        private readonly ConcurrentQueue<ConfigWatchFailedEventArgs> failed = new();

        private SourceRun(ControllerConfigSource source)
        {
            source.Changed += (_, e) => changed.Enqueue(e);
            source.Rejected += (_, e) => rejected.Enqueue(e);
            source.WatchFailed += (_, e) => failed.Enqueue(e);
            running = source.RunAsync(cancel.Token);
        }

        public List<ConfigChangedEventArgs> Changed => [.. changed];

        public List<ConfigRejectedEventArgs> Rejected => [.. rejected];

        public List<ConfigWatchFailedEventArgs> Failed => [.. failed];

        public static SourceRun Start(ControllerConfigSource source) => new(source);

        public async Task WaitAsync(Func<bool> condition)
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            while (!condition())
            {
                Assert.False(running.IsCompleted, "the source stopped running");
                await Task.Delay(5, timeout.Token);
            }
        }

        public async ValueTask DisposeAsync()
        {
            await cancel.CancelAsync();
            await running.WaitAsync(TimeSpan.FromSeconds(30));
            cancel.Dispose();
        }
    }
}
