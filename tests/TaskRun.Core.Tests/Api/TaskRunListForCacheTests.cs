using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using k8s.Models;
using TaskRun.Core.Api;
using TaskRun.Core.Serialization;
using Xunit;

namespace TaskRun.Core.Tests.Api;

/// <summary>A TaskRun list page as the informers read it: every field but the files' contents and the managedFields.</summary>
public sealed class TaskRunListForCacheTests
{
    /// <summary>As the client reads a response: from a stream, here in 64-byte reads, so each item arrives in pieces.</summary>
    private static readonly JsonSerializerOptions SmallReads = new(KubeJson.Options) { DefaultBufferSize = 64 };

    [Fact]
    public void A_page_streamed_in_small_reads_keeps_every_field_but_the_contents_and_managedFields()
    {
        var taskRun = TaskRun();
        var json = KubeJson.SerializeToUtf8Bytes(new V2TaskRunList
        {
            Metadata = new V1ListMeta { ContinueProperty = "next", ResourceVersion = "42" },
            Items = [taskRun, taskRun],
        });
        var expected = KubeJson.ToNode(taskRun)!;
        expected["metadata"]!.AsObject().Remove("managedFields");
        foreach (var file in expected["spec"]!["files"]!.AsArray())
        {
            file!.AsObject().Remove("content");
        }

        var page = JsonSerializer.Deserialize<TaskRunListForCache>(new MemoryStream(json), SmallReads)!;

        Assert.Equal(("next", "42"), (page.Metadata.ContinueProperty, page.Metadata.ResourceVersion));
        Assert.Equal(2, page.Items!.Count);
        Assert.All(page.Items, item => Assert.True(JsonNode.DeepEquals(expected, KubeJson.ToNode(item.TaskRun)), KubeJson.Serialize(item.TaskRun)));
    }

    [Fact]
    public void Whole_objects_are_still_read_with_their_contents_and_managedFields()
    {
        _ = JsonSerializer.Deserialize<TaskRunListForCache>("""{"metadata":{},"items":[]}""", KubeJson.Options);

        var read = KubeJson.Deserialize<V2TaskRun>(KubeJson.Serialize(TaskRun()))!;

        Assert.Equal("# the task", read.Spec.Files![0].Content);
        Assert.Single(read.Metadata.ManagedFields);
    }

    [Fact]
    public void An_empty_page_has_no_items()
    {
        var page = JsonSerializer.Deserialize<TaskRunListForCache>(Encoding.UTF8.GetBytes("""{"metadata":{"resourceVersion":"7"}}"""), KubeJson.Options)!;

        Assert.Null(page.Items);
        Assert.Equal("7", page.Metadata.ResourceVersion);
    }

    private static V2TaskRun TaskRun() => new()
    {
        Metadata = new V1ObjectMeta
        {
            Name = "x",
            NamespaceProperty = "team-a",
            Uid = "u",
            Labels = new Dictionary<string, string> { ["service"] = "svc" },
            Annotations = new Dictionary<string, string> { [TaskRunApi.V2SpecAnnotation] = "{}" },
            ManagedFields =
            [
                new V1ManagedFieldsEntry
                {
                    Manager = "kubectl", Operation = "Update", FieldsType = "FieldsV1",
                    FieldsV1 = JsonDocument.Parse("""{"f:spec":{"f:files":{}}}""").RootElement,
                },
            ],
        },
        Spec = FullyPopulated.Spec(),
        Status = FullyPopulated.Status(),
    };
}
