using System.Text.Json;
using k8s;
using k8s.Models;
using TaskRun.Core.Api;
using TaskRun.Core.Config;
using TaskRun.Core.Naming;
using TaskRun.Core.Serialization;
using TaskRun.Testing;

namespace TaskRun.Controller.Tests.Integration.Scheduling;

/// <summary>
/// A control plane of the scheduling tests' own: their controllers watch every namespace and count every run
/// Job, which in the shared control plane would include what other tests left behind. Each test starts from
/// <see cref="ResetAsync"/> (the tests of the collection run one at a time).
/// </summary>
internal sealed class SchedulingCluster
{
    public const string SystemNamespace = "taskrun-system";

    private static readonly Lazy<Task<SchedulingCluster>> Instance = new(StartAsync);

    private SchedulingCluster(ControlPlane controlPlane, IKubernetes client)
    {
        ControlPlane = controlPlane;
        Client = client;
    }

    public static Task<SchedulingCluster> Shared => Instance.Value;

    public ControlPlane ControlPlane { get; }

    public IKubernetes Client { get; }

    public async Task<string> CreateNamespaceAsync(string prefix)
    {
        var name = $"{prefix}-{Guid.NewGuid().ToString("N")[..8]}";
        await Client.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = name } });
        return name;
    }

    /// <summary>Removes every TaskRun (finalizer first: no controller runs between tests) and every run Job.</summary>
    public async Task ResetAsync()
    {
        var list = KubeJson.Deserialize<V2TaskRunList>((JsonElement)await Client.CustomObjects.ListClusterCustomObjectAsync(TaskRunApi.Group, TaskRunApi.V2, TaskRunApi.Plural))!;
        foreach (var taskRun in list.Items)
        {
            var ns = taskRun.Metadata.NamespaceProperty;
            await Client.CustomObjects.PatchNamespacedCustomObjectAsync(new V1Patch("""{"metadata":{"finalizers":null}}""", V1Patch.PatchType.MergePatch),
                TaskRunApi.Group, TaskRunApi.V2, ns, TaskRunApi.Plural, taskRun.Metadata.Name);
            await Client.CustomObjects.DeleteNamespacedCustomObjectAsync(TaskRunApi.Group, TaskRunApi.V2, ns, TaskRunApi.Plural, taskRun.Metadata.Name);
        }

        foreach (var job in (await Client.BatchV1.ListJobForAllNamespacesAsync()).Items)
        {
            await Client.BatchV1.DeleteNamespacedJobAsync(job.Metadata.Name, job.Metadata.NamespaceProperty, propagationPolicy: "Background");
        }

        await WriteConfigAsync("");
    }

    public Task WriteConfigAsync(string yaml) => ControllerConfigMaps.ApplyAsync(Client, SystemNamespace, yaml);

    public async Task<V2TaskRun> CreateTaskRunAsync(string ns, string name, string priority)
    {
        var taskRun = SeedTaskRun.Build(ns, name, "svc");
        taskRun.Spec.Priority = priority;
        return await TaskRunClient.CreateAsync(Client, taskRun);
    }

    public async Task<V2TaskRun> GetAsync(string ns, string name) => (await TaskRunClient.GetAsync(Client, ns, name))!;

    /// <summary>Every run Job in the cluster.</summary>
    public async Task<IList<V1Job>> JobsAsync() =>
        (await Client.BatchV1.ListJobForAllNamespacesAsync(labelSelector: $"{TaskRunLabels.ManagedBy}={TaskRunLabels.ManagedByValue}")).Items;

    public async Task<List<string>> ActiveJobNamesAsync() =>
        [.. (await JobsAsync()).Where(j => !Finished(j)).Select(j => j.Metadata.Name).Order(StringComparer.Ordinal)];

    public Task FinishAsync(string ns, string taskRunName, int run = 1) =>
        Cluster.FinishJobAsync(Client, ns, RunNames.Job(taskRunName, run), "Complete");

    public static bool Finished(V1Job job) =>
        job.Status?.Conditions?.Any(c => c.Status == "True" && c.Type is "Complete" or "Failed") == true;

    private static async Task<SchedulingCluster> StartAsync()
    {
        var controlPlane = await ControlPlane.StartDedicatedAsync();
        var client = controlPlane.CreateClient();
        await CrdInstaller.ApplyAsync(client, CrdInstaller.Load(RepositoryPaths.CrdFile), TimeSpan.FromSeconds(60));
        await client.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = SystemNamespace } });
        return new SchedulingCluster(controlPlane, client);
    }
}
