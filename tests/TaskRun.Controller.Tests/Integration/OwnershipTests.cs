using k8s;
using k8s.Models;
using TaskRun.Core.Api;
using TaskRun.Core.Config;
using TaskRun.Testing;
using Xunit;

namespace TaskRun.Controller.Tests.Integration;

/// <summary>
/// The controller's own checks, for TaskRuns that reached it without the webhook (none is registered here): it
/// re-checks the agent policy, and deletes only the objects its TaskRun controls, whatever their labels say.
/// </summary>
[Collection(ControllerTests.Name)]
public sealed class OwnershipTests(KubernetesFixture fixture)
{
    private static readonly ControllerConfig OrgImagesOnly = ControllerHarness.FastRetries with
    {
        Agent = ControllerConfig.Default.Agent with { AllowOverrides = true, AllowedImages = ["ghcr.io/5dlabs/*"] },
    };

    [Fact]
    public async Task An_image_outside_the_allowed_list_that_bypassed_the_webhook_gets_no_Job()
    {
        var ns = await fixture.CreateNamespaceAsync();
        await using var controller = new ControllerHarness(fixture, ns, OrgImagesOnly);
        var exfil = SeedTaskRun.Build(ns, "exfil");
        exfil.Spec.Agent = new AgentOverride { Image = "attacker.example/exfil" };
        var greedy = SeedTaskRun.Build(ns, "greedy");
        greedy.Spec.Agent = new AgentOverride { Resources = new V1ResourceRequirements { Limits = new Dictionary<string, ResourceQuantity> { ["nvidia.com/gpu"] = new("8") } } };
        await TaskRunClient.CreateAsync(fixture.Client, exfil);
        await TaskRunClient.CreateAsync(fixture.Client, greedy);

        foreach (var (name, says) in new[] { ("exfil", "agent.allowedImages: [ghcr.io/5dlabs/*]"), ("greedy", "resource \"nvidia.com/gpu\" may not be set") })
        {
            var failed = await Eventually.HoldsAsync(() => TaskRunClient.GetAsync(fixture.Client, ns, name), t => t?.Status?.Phase == Phases.Failed, $"{name} Failed");
            Assert.Contains(says, failed!.Status!.Message, StringComparison.Ordinal);
            Assert.Equal(ConditionReasons.InvalidSpec, failed.Status.Conditions!.Single(c => c.Type == ConditionTypes.Succeeded).Reason);
        }

        Assert.Empty(await Cluster.JobsAsync(fixture.Client, ns));
    }

    [Fact]
    public async Task Deleting_a_TaskRun_removes_its_own_children_and_not_objects_that_only_carry_its_labels()
    {
        var ns = await fixture.CreateNamespaceAsync();
        await using var controller = new ControllerHarness(fixture, ns);
        var created = await TaskRunClient.CreateAsync(fixture.Client, SeedTaskRun.Build(ns));
        await Cluster.WaitRunningAsync(fixture.Client, ns, 1, TimeSpan.FromSeconds(30));
        var decoy = await fixture.Client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap
        {
            Metadata = new V1ObjectMeta
            {
                Name = "someone-elses-data",
                Labels = new Dictionary<string, string> { [TaskRunLabels.TaskRunUid] = created.Metadata.Uid, [TaskRunLabels.ManagedBy] = TaskRunLabels.ManagedByValue },
            },
            Data = new Dictionary<string, string> { ["keep"] = "me" },
        }, ns);

        await TaskRunClient.DeleteAsync(fixture.Client, ns, created.Metadata.Name);
        await Eventually.HoldsAsync(() => TaskRunClient.GetAsync(fixture.Client, ns, created.Metadata.Name), t => t is null, "the TaskRun gone after its finalizer");

        Assert.Equal(["someone-elses-data"], (await Cluster.RunConfigMapsAsync(fixture.Client, ns)).Select(c => c.Metadata.Name));
        Assert.Equal(decoy.Metadata.Uid, (await fixture.Client.CoreV1.ReadNamespacedConfigMapAsync("someone-elses-data", ns)).Metadata.Uid);
        Assert.Empty(await Cluster.JobsAsync(fixture.Client, ns));
    }
}
