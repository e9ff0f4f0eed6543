using System.Text.Json;
using k8s.Models;
using TaskRun.Controller.Reconciliation;
using Xunit;

namespace TaskRun.Controller.Tests.Reconciliation;

public sealed class ApplyPatchBodyTests
{
    [Theory]
    [InlineData("🚀 launch")]
    [InlineData("a\\uD83D\\uDE80 is text, not an emoji")]
    [InlineData("\\\\🚀 after two backslashes")]
    [InlineData("Grüße 世界 \"quoted\" \n\r\t")]
    public void The_body_is_JSON_of_the_same_object(string content)
    {
        var configMap = new V1ConfigMap { Data = new Dictionary<string, string> { ["task.md"] = content } };

        var json = ApplyPatchBody.Json(configMap);

        Assert.Equal(content, JsonDocument.Parse(json).RootElement.GetProperty("data").GetProperty("task.md").GetString());
    }

    [Fact]
    public void Characters_outside_the_basic_plane_are_written_as_UTF8_not_as_surrogate_escapes()
    {
        var json = ApplyPatchBody.Json(new V1ConfigMap { Data = new Dictionary<string, string> { ["a.md"] = "🚀" } });

        Assert.Contains("🚀", json);
        Assert.DoesNotContain("\\uD83D", json, StringComparison.OrdinalIgnoreCase);
    }
}
