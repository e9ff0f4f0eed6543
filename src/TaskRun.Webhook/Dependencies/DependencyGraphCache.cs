using System.Collections.Concurrent;
using System.Text.Json.Serialization;
using k8s;
using k8s.Models;
using TaskRun.Core.Api;

// WatchAsync over a list call is marked obsolete in favour of generated per-kind methods that custom objects lack.
#pragma warning disable CS0618

namespace TaskRun.Webhook.Dependencies;

/// <summary>The spec.dependsOn edges of the TaskRuns that exist, as far as the webhook has seen them.</summary>
internal interface IDependencyGraph
{
    bool HasSynced { get; }

    /// <summary>The dependsOn of TaskRun <paramref name="ns"/>/<paramref name="name"/>; null when it has none or is unknown.</summary>
    IReadOnlyList<string>? DependsOn(string ns, string name);
}

/// <summary>No view of existing TaskRuns (the webhook runs without API access): only the controller catches cycles.</summary>
internal sealed class NoDependencyGraph : IDependencyGraph
{
    public bool HasSynced => false;

    public IReadOnlyList<string>? DependsOn(string ns, string name) => null;
}

/// <summary>
/// A cached list+watch of TaskRuns in every namespace, keeping only the dependsOn of those that have one (a few
/// names each: the files are skipped while reading), so admission can follow the graph without an API call.
/// It may lag the API server by a moment; two racing creates that close a cycle together are caught by the
/// controller, which fails the TaskRuns in the cycle.
/// </summary>
internal sealed class DependencyGraphCache(IKubernetes client, ILogger<DependencyGraphCache> logger, TimeProvider time) : BackgroundService, IDependencyGraph
{
    private const int PageSize = 100;
    private const int WatchTimeoutSeconds = 300;
    private static readonly TimeSpan IdleGrace = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan FirstRetryDelay = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan MaxRetryDelay = TimeSpan.FromSeconds(60);

    private volatile ConcurrentDictionary<(string Namespace, string Name), string[]> edges = new();
    private volatile bool synced;

    public bool HasSynced => synced;

    public IReadOnlyList<string>? DependsOn(string ns, string name) => edges.GetValueOrDefault((ns, name));

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var failures = 0;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var resourceVersion = await ListAsync(stoppingToken);
                failures = 0;
                await WatchAsync(resourceVersion, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                // Doubling, so a missing RBAC rule (403) is reported without flooding the log.
                var delay = TimeSpan.FromTicks(Math.Min(MaxRetryDelay.Ticks, FirstRetryDelay.Ticks << Math.Min(failures++, 6)));
                logger.LogWarning(e, "Listing or watching TaskRuns for dependency cycles failed ({Failures} in a row); admission relies on the controller to catch cycles meanwhile; retrying in {Delay}", failures, delay);
                await Task.Delay(delay, time, stoppingToken).ContinueWith(_ => { }, TaskScheduler.Default);
            }
        }
    }

    /// <summary>A fresh list in pages, swapped in whole so TaskRuns deleted while nobody watched disappear too.</summary>
    private async Task<string> ListAsync(CancellationToken cancellationToken)
    {
        var fresh = new ConcurrentDictionary<(string, string), string[]>();
        string? continueToken = null;
        string resourceVersion;
        do
        {
            var page = await client.CustomObjects.ListClusterCustomObjectAsync<TaskRunEdgesList>(
                TaskRunApi.Group, TaskRunApi.V2, TaskRunApi.Plural, continueParameter: continueToken, limit: PageSize, cancellationToken: cancellationToken);
            foreach (var item in page.Items ?? [])
            {
                Apply(fresh, WatchEventType.Added, item);
            }

            continueToken = page.Metadata?.ContinueProperty;
            resourceVersion = page.Metadata?.ResourceVersion ?? "";
        }
        while (!string.IsNullOrEmpty(continueToken));

        edges = fresh;
        if (!synced)
        {
            logger.LogInformation("TaskRun dependency graph synced: {Count} TaskRuns with dependsOn", fresh.Count);
        }

        synced = true;
        return resourceVersion;
    }

    /// <summary>Watches until the stream fails (then the caller lists again); an ended stream is reopened where it stopped.</summary>
    private async Task WatchAsync(string resourceVersion, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            Exception? failure = null;
            using var idle = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var idleLimit = TimeSpan.FromSeconds(WatchTimeoutSeconds) + IdleGrace;
            idle.CancelAfter(idleLimit);
            var events = client.CustomObjects.ListClusterCustomObjectWithHttpMessagesAsync(
                    TaskRunApi.Group, TaskRunApi.V2, TaskRunApi.Plural, allowWatchBookmarks: true, resourceVersion: resourceVersion,
                    timeoutSeconds: WatchTimeoutSeconds, watch: true, cancellationToken: idle.Token)
                .WatchAsync<TaskRunEdges, object>(e => failure ??= e, idle.Token);
            try
            {
                await foreach (var (type, item) in events)
                {
                    idle.CancelAfter(idleLimit);
                    resourceVersion = item.Metadata?.ResourceVersion ?? resourceVersion;
                    if (type is WatchEventType.Added or WatchEventType.Modified or WatchEventType.Deleted)
                    {
                        Apply(edges, type, item);
                    }
                }
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                // Silent for longer than the server's own timeout: reopen.
            }

            if (failure is not null)
            {
                throw new InvalidOperationException($"the TaskRun watch failed ({failure.Message}); listing again", failure);
            }
        }
    }

    private static void Apply(ConcurrentDictionary<(string, string), string[]> target, WatchEventType type, TaskRunEdges item)
    {
        var key = (item.Metadata?.NamespaceProperty ?? "", item.Metadata?.Name ?? "");
        var dependsOn = item.Spec?.DependsOn;
        if (type == WatchEventType.Deleted || dependsOn is not { Count: > 0 })
        {
            target.TryRemove(key, out _);
            return;
        }

        target[key] = [.. dependsOn];
    }

    /// <summary>A TaskRun as far as the graph needs it; everything else in the object is skipped while reading.</summary>
    internal sealed class TaskRunEdges : IKubernetesObject<V1ObjectMeta>
    {
        [JsonPropertyName("apiVersion")]
        public string ApiVersion { get; set; } = TaskRunApi.V2ApiVersion;

        [JsonPropertyName("kind")]
        public string Kind { get; set; } = TaskRunApi.Kind;

        [JsonPropertyName("metadata")]
        public V1ObjectMeta Metadata { get; set; } = new();

        [JsonPropertyName("spec")]
        public EdgesSpec? Spec { get; set; }
    }

    internal sealed class EdgesSpec
    {
        [JsonPropertyName("dependsOn")]
        public List<string>? DependsOn { get; set; }
    }

    internal sealed class TaskRunEdgesList
    {
        [JsonPropertyName("metadata")]
        public V1ListMeta? Metadata { get; set; }

        [JsonPropertyName("items")]
        public List<TaskRunEdges>? Items { get; set; }
    }
}
