using TaskRun.Core.Config;
using Xunit;

namespace TaskRun.Core.Tests.Samples;

public sealed class SamplesKustomizationTests
{
    /// <summary>Both samples name the same TaskRun; kustomize would refuse two resources with one name.</summary>
    [Fact]
    public void Kustomization_lists_only_the_v2_sample()
    {
        var kustomization = YamlToJson.Parse(File.ReadAllText(SampleFiles.PathOf("kustomization.yaml")))!;

        Assert.Equal([SampleFiles.V2], kustomization["resources"]!.AsArray().Select(r => (string?)r));
    }
}
