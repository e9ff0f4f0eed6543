using System.Text.Json.Nodes;
using TaskRun.Core.Config;
using TaskRun.Testing;
using Xunit;
using static TaskRun.Deploy.Tests.RenderedManifests;

namespace TaskRun.Deploy.Tests;

/// <summary>hack/release.sh renders one install.yaml with every image pinned, and refuses what is not a release.</summary>
[Collection(DeployTests.Name)]
public sealed class ReleaseTests(KubernetesFixture fixture) : IDisposable
{
    private const string Version = "1.4.0-rc.1";

    private readonly string output = Directory.CreateTempSubdirectory("release-").FullName;

    [Fact]
    public async Task The_release_pins_the_webhook_and_controller_to_the_version_and_the_agent_to_AGENT_IMAGE()
    {
        var objects = await ReleaseAsync(RepositoryPaths.InRoot("hack", "release.sh"), Version, "registry.example.com/agents/claude-code:9.8.7");

        Assert.Equal($"ghcr.io/5dlabs/platform/taskrun-webhook:{Version}", ContainerImage(Single(objects, "Deployment", "taskrun-webhook")));
        Assert.Equal($"ghcr.io/5dlabs/platform/taskrun-controller:{Version}", ContainerImage(Single(objects, "Deployment", "taskrun-controller")));
        var config = (string)Single(objects, "ConfigMap", "taskrun-controller-config")["data"]!["config.yaml"]!;
        Assert.Equal("registry.example.com/agents/claude-code:9.8.7", (string)YamlToJson.Parse(config)!["agent"]!["image"]!);
        Assert.DoesNotContain(":latest", await File.ReadAllTextAsync(Path.Combine(output, "install.yaml")), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_default_agent_image_is_pinned()
    {
        var objects = await ReleaseAsync(RepositoryPaths.InRoot("hack", "release.sh"), "2.0.0", agentImage: null);

        var config = (string)Single(objects, "ConfigMap", "taskrun-controller-config")["data"]!["config.yaml"]!;
        var agentImage = (string)YamlToJson.Parse(config)!["agent"]!["image"]!;
        Assert.Matches(@"^ghcr\.io/5dlabs/platform/claude-code:\d+\.\d+\.\d+$", agentImage);
    }

    [Fact]
    public async Task The_rendered_install_yaml_passes_a_server_side_dry_run_except_cert_managers_kinds_and_policy_v1() =>
        await ServerDryRun.EveryObjectAsync(fixture, await ReleaseAsync(RepositoryPaths.InRoot("hack", "release.sh"), Version, agentImage: null),
            ["Certificate", "Issuer", "PodDisruptionBudget"]);

    /// <summary>The release is deploy/default: only the two container images and the config's agent image differ.</summary>
    [Fact]
    public async Task The_release_differs_from_deploy_default_only_in_the_pinned_images()
    {
        var released = await ReleaseAsync(RepositoryPaths.InRoot("hack", "release.sh"), Version, "registry.example.com/claude-code:9.8.7");
        var defaults = await RenderAsync();

        Assert.Equal(defaults.Count, released.Count);
        for (var i = 0; i < defaults.Count; i++)
        {
            var expected = defaults[i].DeepClone().AsObject();
            if (Kind(expected) == "Deployment")
            {
                var container = expected["spec"]!["template"]!["spec"]!["containers"]![0]!;
                container["image"] = ((string)container["image"]!).Replace(":latest", $":{Version}", StringComparison.Ordinal);
            }
            else if (Kind(expected) == "ConfigMap" && Name(expected) == "taskrun-controller-config")
            {
                expected["data"]!["config.yaml"] = ((string)expected["data"]!["config.yaml"]!)
                    .Replace("ghcr.io/5dlabs/platform/claude-code:latest", "registry.example.com/claude-code:9.8.7", StringComparison.Ordinal);
            }

            Assert.True(JsonNode.DeepEquals(expected, released[i]), $"{Kind(expected)}/{Name(expected)} differs:\n{released[i].ToJsonString()}");
        }
    }

    [Theory]
    [InlineData("v1.4.0")]
    [InlineData("1.4")]
    [InlineData("latest")]
    [InlineData("1.4.0+build.5")]
    [InlineData("01.4.0")]
    [InlineData("1.4.0;touch /tmp/x")]
    [InlineData("")]
    public async Task A_version_that_is_not_semver_is_refused_and_nothing_is_written(string version)
    {
        var result = await RunAsync(RepositoryPaths.InRoot("hack", "release.sh"), version, agentImage: null);

        Assert.False(result.Succeeded, result.ToString());
        Assert.Contains("semantic version", result.StandardError, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(output, "install.yaml")));
    }

    [Theory]
    [InlineData("ghcr.io/5dlabs/platform/claude-code:latest")]
    [InlineData("ghcr.io/5dlabs/platform/claude-code")]
    public async Task An_unpinned_AGENT_IMAGE_is_refused(string agentImage)
    {
        var result = await RunAsync(RepositoryPaths.InRoot("hack", "release.sh"), Version, agentImage);

        Assert.False(result.Succeeded, result.ToString());
        Assert.Contains("AGENT_IMAGE", result.StandardError, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(output, "install.yaml")));
    }

    /// <summary>A :latest that the pinning does not cover (here an init image added to a copy of deploy/) stops the release.</summary>
    [Fact]
    public async Task A_latest_image_left_anywhere_in_the_render_stops_the_release()
    {
        var copy = Directory.CreateDirectory(Path.Combine(output, "repo")).FullName;
        Directory.CreateDirectory(Path.Combine(copy, "hack"));
        File.Copy(RepositoryPaths.InRoot("hack", "release.sh"), Path.Combine(copy, "hack", "release.sh"));
        var copied = await ProcessRunner.RunAsync("cp", ["-r", RepositoryPaths.InRoot("deploy"), copy]);
        Assert.True(copied.Succeeded, copied.ToString());
        var config = Path.Combine(copy, "deploy", "config", "taskrun-controller-config.yaml");
        await File.WriteAllTextAsync(config, (await File.ReadAllTextAsync(config)).Replace(
            "    job:\n", "    initContainer:\n      image: \"busybox:latest\"\n    job:\n", StringComparison.Ordinal));

        var result = await RunAsync(Path.Combine(copy, "hack", "release.sh"), Version, agentImage: null);

        Assert.False(result.Succeeded, result.ToString());
        Assert.Contains("busybox:latest", result.StandardError, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(output, "install.yaml")));
    }

    public void Dispose() => Directory.Delete(output, recursive: true);

    private static string ContainerImage(JsonObject deployment) =>
        (string)deployment["spec"]!["template"]!["spec"]!["containers"]![0]!["image"]!;

    private async Task<IReadOnlyList<JsonObject>> ReleaseAsync(string script, string version, string? agentImage)
    {
        var result = await RunAsync(script, version, agentImage);
        Assert.True(result.Succeeded, result.ToString());
        Assert.Contains("images not built", result.StandardOutput, StringComparison.Ordinal);
        return Split(await File.ReadAllTextAsync(Path.Combine(output, "install.yaml")));
    }

    /// <summary>Runs the script with no container engine, so a test never builds images.</summary>
    private Task<CommandResult> RunAsync(string script, string version, string? agentImage)
    {
        var environment = new Dictionary<string, string> { ["OUTPUT_DIR"] = output, ["CONTAINER_ENGINE"] = "none" };
        if (agentImage is not null)
        {
            environment["AGENT_IMAGE"] = agentImage;
        }

        return ProcessRunner.RunAsync("bash", [script, version], environment);
    }
}
