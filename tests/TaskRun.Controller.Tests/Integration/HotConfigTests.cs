using k8s;
using k8s.Models;
using TaskRun.Core.Api;
using TaskRun.Core.Config;
using TaskRun.Testing;
using Xunit;

namespace TaskRun.Controller.Tests.Integration;

/// <summary>The config ConfigMap changes under a running controller.</summary>
[Collection(ControllerTests.Name)]
public sealed class HotConfigTests(KubernetesFixture fixture)
{
    [Fact]
    public async Task A_new_agent_image_applies_to_the_next_run_and_invalid_configs_are_kept_out_and_reported()
    {
        var ns = await fixture.CreateNamespaceAsync();
        await WriteConfigAsync(ns, "agent:\n  image: registry.example/agent:1\n");
        await using var controller = new ControllerHarness(fixture, ns, liveConfig: true);

        await TaskRunClient.CreateAsync(fixture.Client, SeedTaskRun.Build(ns, "first"));
        Assert.Equal("registry.example/agent:1", await AgentImageAsync(ns, "first-run-1"));

        await WriteConfigAsync(ns, "agent:\n  image: registry.example/agent:2\n");
        await Eventually.HoldsAsync(() => Task.FromResult(controller.LiveConfig!.Current.Agent.Image), i => i == "registry.example/agent:2", "the new image in the live config");
        await TaskRunClient.CreateAsync(fixture.Client, SeedTaskRun.Build(ns, "second"));
        Assert.Equal("registry.example/agent:2", await AgentImageAsync(ns, "second-run-1"));
        Assert.Equal("registry.example/agent:1", await AgentImageAsync(ns, "first-run-1"));

        // The webhook refuses these on apply; written anyway, the controller keeps the last good config.
        foreach (var (bad, key) in new[] { ("agent: [unclosed\n", "config.yaml"), ("job:\n  backoffLimit: -1\nagent:\n  image: registry.example/agent:3\n", "job.backoffLimit") })
        {
            await WriteConfigAsync(ns, bad);
            var warning = await Eventually.HoldsAsync(
                async () => (await fixture.Client.CoreV1.ListNamespacedEventAsync(ns)).Items.Where(e => e.Reason == InvalidConfigEvent.Reason && e.Message.Contains(key, StringComparison.Ordinal)).ToList(),
                events => events.Count > 0, $"a Warning event naming {key}");
            Assert.Equal("Warning", warning[0].Type);
            Assert.Equal(ControllerConfig.ConfigMapName, warning[0].InvolvedObject.Name);
        }

        Assert.Equal("registry.example/agent:2", controller.LiveConfig!.Current.Agent.Image);
        await TaskRunClient.CreateAsync(fixture.Client, SeedTaskRun.Build(ns, "third"));
        Assert.Equal("registry.example/agent:2", await AgentImageAsync(ns, "third-run-1"));

        await fixture.Client.CoreV1.DeleteNamespacedConfigMapAsync(ControllerConfig.ConfigMapName, ns);
        await Eventually.HoldsAsync(() => Task.FromResult(controller.LiveConfig.Current.Agent.Image), i => i == ControllerConfig.Default.Agent.Image, "the built-in default image");
    }

    private async Task<string> AgentImageAsync(string ns, string jobName)
    {
        var job = await Eventually.HoldsAsync(() => fixture.Client.BatchV1.ReadNamespacedJobAsync(jobName, ns), j => j is not null, $"Job {jobName}");
        return job.Spec.Template.Spec.Containers.Single().Image;
    }

    private Task WriteConfigAsync(string ns, string yaml) => ControllerConfigMaps.ApplyAsync(fixture.Client, ns, yaml);
}
