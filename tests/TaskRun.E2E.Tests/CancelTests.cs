using k8s;
using TaskRun.Core.Api;
using TaskRun.Testing;
using Xunit;

namespace TaskRun.E2E.Tests;

/// <summary>spec.cancel stops the Pod that runs the agent.</summary>
public sealed class CancelTests
{
    [Fact]
    public async Task Cancel_stops_a_running_agent_Pod()
    {
        var cluster = await LocalCluster.Shared;
        var client = cluster.Client;
        var ns = await cluster.CreateNamespaceAsync("cancel");
        await TaskRunClient.CreateAsync(client, TaskRuns.Small(ns, "long", "long", standIn: "sleep 600\n"));

        var running = await Eventually.HoldsAsync(() => TaskRuns.PodsOfRunAsync(client, ns, "long", 1),
            pods => pods.Any(p => p.Status?.ContainerStatuses?.Any(c => c.Name == "claude-agent" && c.State?.Running is not null) == true),
            "the agent container of run 1 running", TimeSpan.FromMinutes(2));
        var pod = running.Single().Metadata.Name;

        await TaskRunClient.PatchSpecAsync(client, ns, "long", """{"spec":{"cancel":true}}""");

        var cancelled = await TaskRuns.WaitForPhaseAsync(client, ns, "long", Phases.Failed, TimeSpan.FromSeconds(60));
        Assert.Equal(ConditionReasons.Cancelled, cancelled.Status!.Conditions!.Single(c => c.Type == ConditionTypes.Succeeded).Reason);
        // The Job controller ends the Pod (the controller gave the Job a 1 s deadline): it is deleted or stopped.
        await Eventually.HoldsAsync(() => TaskRuns.PodsOfRunAsync(client, ns, "long", 1),
            pods => pods.All(p => p.Metadata.Name != pod || p.Status?.ContainerStatuses?.All(c => c.State?.Running is null) == true),
            $"Pod {pod} no longer running", TimeSpan.FromSeconds(60));
    }
}
