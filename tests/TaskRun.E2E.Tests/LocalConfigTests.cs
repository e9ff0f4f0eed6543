using TaskRun.Core.Config;
using TaskRun.Testing;
using Xunit;

namespace TaskRun.E2E.Tests;

/// <summary>The configs the local node runs with are valid (hack/local-up.sh applies the first; these tests use the second).</summary>
public sealed class LocalConfigTests
{
    [Fact]
    public void The_config_local_up_applies_runs_the_stand_in_agent()
    {
        var manifest = File.ReadAllText(RepositoryPaths.InRoot("hack", "local", "taskrun-controller-config.yaml"));
        var configMap = k8s.KubernetesYaml.Deserialize<k8s.Models.V1ConfigMap>(manifest);

        var result = ControllerConfigParser.ParseConfigMapData(configMap.Data);

        Assert.True(result.IsValid, result.Summary());
        Assert.Equal(LocalCluster.StandInAgentImage, result.Config!.Agent.Image);
        Assert.Equal("busybox:1.36", result.Config.InitContainer.Image);
    }

    [Fact]
    public void The_end_to_end_config_is_valid()
    {
        var result = ControllerConfigParser.Parse(LocalCluster.Config);

        Assert.True(result.IsValid, result.Summary());
        Assert.Equal(LocalCluster.TtlSecondsAfterFinished, result.Config!.Job.TtlSecondsAfterFinished);
    }
}
