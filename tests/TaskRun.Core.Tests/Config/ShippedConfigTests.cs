using TaskRun.Core.Config;
using Xunit;

namespace TaskRun.Core.Tests.Config;

/// <summary>deploy/config's ConfigMap is valid and as safe as the built-in defaults: no agent overrides, no allowed images.</summary>
public sealed class ShippedConfigTests
{
    [Fact]
    public void The_shipped_config_is_valid_and_allows_no_agent_overrides()
    {
        var manifest = YamlToJson.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "deploy", "config", "taskrun-controller-config.yaml")))!;

        var result = ControllerConfigParser.Parse((string?)manifest["data"]![ControllerConfig.DataKey]);

        Assert.True(result.IsValid, result.Summary());
        Assert.False(result.Config!.Agent.AllowOverrides);
        Assert.Empty(result.Config.Agent.AllowedImages);
        Assert.Equal(ControllerConfig.Default.Agent.MaxResources, result.Config.Agent.MaxResources);
    }
}
