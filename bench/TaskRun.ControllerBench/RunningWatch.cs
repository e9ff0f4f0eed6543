using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Serialization;
using k8s;
using k8s.Models;
using TaskRun.Core.Api;
using TaskRun.Core.Serialization;

// WatchAsync over a list call is marked obsolete in favour of generated per-kind methods that do not exist for
// custom objects; it is the same enumerator underneath.
#pragma warning disable CS0618

namespace TaskRun.ControllerBench;

/// <summary>
/// Watches the TaskRuns of one namespace and records when each is first seen in phase Running (by this process's
/// clock). Deserializes only metadata and status: the files in the spec are skipped, to keep the benchmark's own
/// CPU use on a shared 2-core machine small. A broken or expired watch is resumed, or re-listed.
/// </summary>
internal sealed class RunningWatch : IAsyncDisposable
{
    private readonly IKubernetes client;
    private readonly string ns;
    private readonly Clock clock;
    private readonly ConcurrentDictionary<string, double> running = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource stop = new();
    private readonly SemaphoreSlim changed = new(0);
    private Task? loop;

    public RunningWatch(IKubernetes client, string ns, Clock clock)
    {
        this.client = client;
        this.ns = ns;
        this.clock = clock;
    }

    /// <summary>Name to the time it was first seen Running.</summary>
    public IReadOnlyDictionary<string, double> Running => running;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var resourceVersion = await ListAsync(cancellationToken);
        loop = Task.Run(() => WatchAsync(resourceVersion, stop.Token), CancellationToken.None);
    }

    /// <summary>Waits until <paramref name="names"/> are all Running; throws after <paramref name="timeout"/>.</summary>
    public async Task WaitForAllAsync(IReadOnlyCollection<string> names, TimeSpan timeout, Action<int>? progress, CancellationToken cancellationToken)
    {
        var deadline = clock.Now + timeout.TotalSeconds;
        var lastReport = clock.Now;
        while (true)
        {
            var done = names.Count(running.ContainsKey);
            if (done == names.Count)
            {
                return;
            }

            if (clock.Now > deadline)
            {
                throw new TimeoutException($"only {done} of {names.Count} TaskRuns in {ns} reached Running within {timeout}");
            }

            if (progress is not null && clock.Now - lastReport >= 10)
            {
                lastReport = clock.Now;
                progress(done);
            }

            await changed.WaitAsync(TimeSpan.FromSeconds(1), cancellationToken);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await stop.CancelAsync();
        if (loop is not null)
        {
            await loop.ContinueWith(_ => { }, TaskScheduler.Default);
        }

        stop.Dispose();
        changed.Dispose();
    }

    private async Task<string> ListAsync(CancellationToken cancellationToken)
    {
        var response = await client.CustomObjects.ListNamespacedCustomObjectAsync(TaskRunApi.Group, TaskRunApi.V2, ns, TaskRunApi.Plural, cancellationToken: cancellationToken);
        var list = KubeJson.Deserialize<SlimList>((JsonElement)response)!;
        foreach (var item in list.Items)
        {
            Observe(item);
        }

        return list.Metadata.ResourceVersion;
    }

    private async Task WatchAsync(string resourceVersion, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            Exception? error = null;
            try
            {
                var response = client.CustomObjects.ListNamespacedCustomObjectWithHttpMessagesAsync(
                    TaskRunApi.Group, TaskRunApi.V2, ns, TaskRunApi.Plural, allowWatchBookmarks: true, resourceVersion: resourceVersion,
                    timeoutSeconds: 600, watch: true, cancellationToken: cancellationToken);
                await foreach (var (type, item) in response.WatchAsync<SlimTaskRun, object>(e => error ??= e, cancellationToken))
                {
                    resourceVersion = item.Metadata?.ResourceVersion ?? resourceVersion;
                    if (type is WatchEventType.Added or WatchEventType.Modified)
                    {
                        Observe(item);
                    }
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                error = e;
            }

            if (error is not null)
            {
                // 410 Gone or a broken stream: a fresh list catches up on anything missed (times are then late, not lost).
                Console.Error.WriteLine($"bench: TaskRun watch in {ns}: {error.Message}; re-listing");
                await Task.Delay(TimeSpan.FromMilliseconds(200), cancellationToken).ContinueWith(_ => { }, TaskScheduler.Default);
                try
                {
                    resourceVersion = await ListAsync(cancellationToken);
                }
                catch (Exception e) when (!cancellationToken.IsCancellationRequested)
                {
                    Console.Error.WriteLine($"bench: re-listing TaskRuns in {ns} failed: {e.Message}");
                }
            }
        }
    }

    private void Observe(SlimTaskRun item)
    {
        if (item.Status?.Phase == Phases.Running && item.Metadata?.Name is { } name && running.TryAdd(name, clock.Now))
        {
            changed.Release();
        }
    }

    private sealed class SlimTaskRun : IKubernetesObject<V1ObjectMeta>
    {
        [JsonPropertyName("apiVersion")]
        public string ApiVersion { get; set; } = TaskRunApi.V2ApiVersion;

        [JsonPropertyName("kind")]
        public string Kind { get; set; } = TaskRunApi.Kind;

        [JsonPropertyName("metadata")]
        public V1ObjectMeta Metadata { get; set; } = new();

        [JsonPropertyName("status")]
        public SlimStatus? Status { get; set; }
    }

    private sealed class SlimStatus
    {
        [JsonPropertyName("phase")]
        public string? Phase { get; set; }
    }

    private sealed class SlimList
    {
        [JsonPropertyName("metadata")]
        public V1ListMeta Metadata { get; set; } = new();

        [JsonPropertyName("items")]
        public List<SlimTaskRun> Items { get; set; } = [];
    }
}
