using System.Collections.Concurrent;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging.Abstractions;
using NSubstitute;
using TaskRun.Core.Config;
using Xunit;
using static TaskRun.Core.Tests.ConfigSource.ScriptedConfigMapClient;

namespace TaskRun.Core.Tests.ConfigSource;

/// <summary>The one config reporter both processes use: its metric labels, the validity gauge and the InvalidConfig Event.</summary>
public sealed class ConfigReporterTests
{
    private const string Valid = "job:\n  backoffLimit: 2\n";
    private const string Invalid = "job:\n  backoffLimit: -1\n";

    private static readonly ControllerConfigSourceOptions Options = new() { Namespace = Namespace };

    private readonly RecordingMetrics metrics = new();
    private readonly IKubernetes client = Substitute.For<IKubernetes>();

    [Fact]
    public async Task Every_update_is_counted_with_the_shared_result_labels()
    {
        var script = new ScriptedConfigMapClient()
            .List(null)
            .Watch(
                (WatchEventType.Added, ConfigMap(Valid, "11")),
                (WatchEventType.Modified, ConfigMap(Invalid, "12")),
                (WatchEventType.Deleted, ConfigMap(Invalid, "13")));
        var source = Attach(script, emitEvents: false);

        await RunUntilAsync(source, () => metrics.Updates.Count == 4);

        Assert.Equal([ConfigUpdateResults.Defaults, ConfigUpdateResults.Applied, ConfigUpdateResults.Rejected, ConfigUpdateResults.Defaults], metrics.Updates);
        Assert.All(metrics.Validity, Assert.True);
        Assert.Empty(client.CoreV1.ReceivedCalls());
    }

    [Fact]
    public async Task An_invalid_config_with_none_known_sets_validity_to_0_and_records_one_fail_closed_InvalidConfig_event()
    {
        var script = new ScriptedConfigMapClient()
            .List(ConfigMap(Invalid, "11"))
            .Watch((WatchEventType.Modified, ConfigMap(Valid, "12")));
        var source = Attach(script, emitEvents: true);

        await RunUntilAsync(source, () => metrics.Updates.Count == 2);

        Assert.Equal([ConfigUpdateResults.Rejected, ConfigUpdateResults.Applied], metrics.Updates);
        Assert.Equal([false, true], metrics.Validity);
        var created = Assert.Single(client.CoreV1.ReceivedCalls(), c => c.GetMethodInfo().Name.StartsWith("CreateNamespacedEvent", StringComparison.Ordinal));
        var warning = (Corev1Event)created.GetArguments()[0]!;
        Assert.Equal((InvalidConfigEvent.Reason, "test-process", "11"), (warning.Reason, warning.Source.Component, warning.InvolvedObject.ResourceVersion));
        Assert.Contains("fails closed", warning.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_failed_list_is_counted_as_a_watch_error()
    {
        var script = new ScriptedConfigMapClient().ListFails(new HttpRequestException("connection refused")).List(ConfigMap(Valid, "11"));
        var source = Attach(script, emitEvents: false);

        await RunUntilAsync(source, () => metrics.Updates.Count == 2);

        Assert.Equal([ConfigUpdateResults.WatchError, ConfigUpdateResults.Applied], metrics.Updates);
    }

    private ControllerConfigSource Attach(ScriptedConfigMapClient script, bool emitEvents)
    {
        var source = new ControllerConfigSource(script.Client, Options, new ManualTimeProvider());
        ConfigReporter.Attach(source, metrics, client, new ConfigReporterOptions("test-process", "nothing starts", emitEvents), TimeProvider.System, NullLogger.Instance);
        return source;
    }

    private static async Task RunUntilAsync(ControllerConfigSource source, Func<bool> condition)
    {
        using var cancel = new CancellationTokenSource();
        var running = source.RunAsync(cancel.Token);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (!condition())
        {
            await Task.Delay(5, timeout.Token);
        }

        await cancel.CancelAsync();
        await running.WaitAsync(TimeSpan.FromSeconds(30));
    }

    private sealed class RecordingMetrics : IConfigMetrics
    {
        private readonly ConcurrentQueue<string> updates = new();
        private readonly ConcurrentQueue<bool> validity = new();

        public List<string> Updates => [.. updates];

        public List<bool> Validity => [.. validity];

        public void ConfigUpdated(string result) => updates.Enqueue(result);

        public void SetConfigValid(bool valid) => validity.Enqueue(valid);
    }
}
