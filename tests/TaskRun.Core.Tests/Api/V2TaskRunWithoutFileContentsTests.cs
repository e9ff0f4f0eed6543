using System.Text.Json.Nodes;
using k8s.Models;
using TaskRun.Core.Api;
using TaskRun.Core.Serialization;
using Xunit;

namespace TaskRun.Core.Tests.Api;

/// <summary>The controller's cache copy: every field of the TaskRun but its files' contents.</summary>
public sealed class V2TaskRunWithoutFileContentsTests
{
    [Fact]
    public void The_fully_populated_spec_sets_every_field()
    {
        Assert.Empty(FullyPopulated.UnsetProperties(FullyPopulated.Spec()));
        Assert.Empty(FullyPopulated.UnsetProperties(FullyPopulated.Spec().Files![0]));
    }

    [Fact]
    public void The_copy_keeps_every_field_but_the_contents_and_the_original_keeps_its_contents()
    {
        var taskRun = new V2TaskRun { Metadata = new V1ObjectMeta { Name = "x", NamespaceProperty = "team-a", Uid = "u" }, Spec = FullyPopulated.Spec(), Status = FullyPopulated.Status() };
        var expected = KubeJson.ToNode(taskRun)!;
        foreach (var file in expected["spec"]!["files"]!.AsArray())
        {
            file!.AsObject().Remove("content");
        }

        var copy = taskRun.WithoutFileContents();

        Assert.True(JsonNode.DeepEquals(expected, KubeJson.ToNode(copy)), KubeJson.Serialize(copy));
        Assert.Equal("# the task", taskRun.Spec.Files![0].Content);
    }

    [Fact]
    public void WithStatus_keeps_everything_else()
    {
        var taskRun = new V2TaskRun { Metadata = new V1ObjectMeta { Name = "x" }, Spec = FullyPopulated.Spec(), Status = FullyPopulated.Status() };
        var status = new TaskRunStatus { Phase = Phases.Pending };

        var copy = taskRun.WithStatus(status);

        Assert.Same(status, copy.Status);
        Assert.Equal(KubeJson.Serialize(taskRun.WithStatus(null)), KubeJson.Serialize(copy.WithStatus(null)));
        Assert.Equal(Phases.Running, taskRun.Status!.Phase);
    }
}
