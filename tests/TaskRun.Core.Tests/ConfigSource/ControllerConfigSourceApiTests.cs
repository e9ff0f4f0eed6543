using System.Collections.Concurrent;
using k8s;
using k8s.Models;
using TaskRun.Core.Config;
using TaskRun.Testing;
using Xunit;

namespace TaskRun.Core.Tests.ConfigSource;

/// <summary>
/// <see cref="ControllerConfigSource"/> against the real API server: list, watch across several server-side watch
/// timeouts, invalid updates, delete and re-create. No config webhook is registered here, so the invalid update
/// reaches the source.
/// </summary>
public sealed class ControllerConfigSourceApiTests(KubernetesFixture kubernetes) : IClassFixture<KubernetesFixture>
{
    [Fact]
    public async Task Follows_the_ConfigMap_through_watch_restarts_invalid_updates_deletion_and_recreation()
    {
        var ns = await kubernetes.CreateNamespaceAsync("config-source");
        var client = kubernetes.Client;
        var source = new ControllerConfigSource(client, new ControllerConfigSourceOptions
        {
            Namespace = ns,
            // Short server-side timeouts, so the test crosses several watch restarts.
            WatchTimeout = TimeSpan.FromSeconds(1),
            WatchTimeoutGrace = TimeSpan.FromSeconds(10),
        });
        var changes = new ConcurrentQueue<ConfigChangedEventArgs>();
        var rejections = new ConcurrentQueue<ConfigRejectedEventArgs>();
        source.Changed += (_, e) => changes.Enqueue(e);
        source.Rejected += (_, e) => rejections.Enqueue(e);
        using var stop = new CancellationTokenSource();
        var running = source.RunAsync(stop.Token);
        try
        {
            await source.WaitForSyncAsync().WaitAsync(TimeSpan.FromSeconds(30));
            Assert.Equal(ConfigOrigin.BuiltInDefaults, source.Origin);

            await client.CoreV1.CreateNamespacedConfigMapAsync(ConfigMap("job:\n  backoffLimit: 7\n"), ns);
            await Eventually.HoldsAsync(() => source.Current.Job.BackoffLimit == 7, "backoffLimit 7", TimeSpan.FromMinutes(1));
            Assert.Equal(ConfigOrigin.ConfigMap, source.Origin);

            // Past a few watch timeouts: the restarted watch still delivers.
            await Task.Delay(TimeSpan.FromSeconds(3));
            await client.CoreV1.ReplaceNamespacedConfigMapAsync(ConfigMap("job:\n  backoffLimit: 8\n"), ControllerConfig.ConfigMapName, ns);
            await Eventually.HoldsAsync(() => source.Current.Job.BackoffLimit == 8, "backoffLimit 8", TimeSpan.FromMinutes(1));

            await client.CoreV1.ReplaceNamespacedConfigMapAsync(ConfigMap("job:\n  backoffLimit: many\n"), ControllerConfig.ConfigMapName, ns);
            await Eventually.HoldsAsync(() => !rejections.IsEmpty, "the rejection", TimeSpan.FromMinutes(1));
            Assert.Equal("job.backoffLimit", Assert.Single(rejections).Errors.Single().Key);
            Assert.Equal(8, source.Current.Job.BackoffLimit);

            await client.CoreV1.DeleteNamespacedConfigMapAsync(ControllerConfig.ConfigMapName, ns);
            await Eventually.HoldsAsync(() => source.Origin == ConfigOrigin.BuiltInDefaults, "the built-in defaults", TimeSpan.FromMinutes(1));
            Assert.Same(ControllerConfig.Default, source.Current);
            Assert.Contains("was deleted", changes.Last().Description, StringComparison.Ordinal);

            await client.CoreV1.CreateNamespacedConfigMapAsync(ConfigMap("job:\n  backoffLimit: 9\n"), ns);
            await Eventually.HoldsAsync(() => source.Current.Job.BackoffLimit == 9, "backoffLimit 9", TimeSpan.FromMinutes(1));
            Assert.Equal([ConfigOrigin.BuiltInDefaults, ConfigOrigin.ConfigMap, ConfigOrigin.ConfigMap, ConfigOrigin.BuiltInDefaults, ConfigOrigin.ConfigMap],
                changes.Select(c => c.Origin));
        }
        finally
        {
            await stop.CancelAsync();
            await running.WaitAsync(TimeSpan.FromSeconds(30));
        }
    }

    private static V1ConfigMap ConfigMap(string yaml) => new()
    {
        Metadata = new V1ObjectMeta { Name = ControllerConfig.ConfigMapName },
        Data = new Dictionary<string, string> { [ControllerConfig.DataKey] = yaml },
    };
}
