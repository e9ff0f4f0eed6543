using k8s;
using k8s.Models;
using TaskRun.Runtime;

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
/// An informer on the TaskRuns of every namespace, keeping of each only its name and dependsOn, so admission can
/// follow the graph without an API call. It may lag the API server by a moment; two racing creates that close a
/// cycle together are caught by the controller, which fails the TaskRuns in the cycle. While it cannot list
/// (e.g. a missing RBAC rule), admission relies on the controller alone; the informer logs and retries.
/// </summary>
internal sealed class DependencyGraphCache : BackgroundService, IDependencyGraph
{
    private readonly Informer<V2TaskRun> informer;

    public DependencyGraphCache(IKubernetes client, ILogger<DependencyGraphCache> logger, TimeProvider time)
    {
        informer = new Informer<V2TaskRun>(TaskRunResourceClient.Create(client, watchNamespace: null, EdgesOnly), new InformerOptions(), time, Random.Shared, logger, EdgesOnly);
        informer.Listed += _ => logger.LogDebug("TaskRun dependency graph listed: {Count} TaskRuns", informer.Cache.Count);
    }

    public bool HasSynced => informer.Synced.IsCompleted;

    public IReadOnlyList<string>? DependsOn(string ns, string name) =>
        informer.Cache.Get(new ObjectKey(ns, name))?.Spec.DependsOn is { Count: > 0 } dependsOn ? dependsOn : null;

    protected override Task ExecuteAsync(CancellationToken stoppingToken) => informer.RunAsync(stoppingToken);

    /// <summary>What the graph keeps of a TaskRun: its key, version and dependsOn; files and status are dropped.</summary>
    private static V2TaskRun EdgesOnly(V2TaskRun taskRun) => new()
    {
        Metadata = new V1ObjectMeta
        {
            Name = taskRun.Metadata?.Name,
            NamespaceProperty = taskRun.Metadata?.NamespaceProperty,
            ResourceVersion = taskRun.Metadata?.ResourceVersion,
        },
        Spec = new V2TaskRunSpec { DependsOn = taskRun.Spec?.DependsOn },
    };
}
