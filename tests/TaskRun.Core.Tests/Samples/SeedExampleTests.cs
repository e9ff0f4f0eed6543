using System.Text.Json.Nodes;
using TaskRun.Core.Config;
using Xunit;

namespace TaskRun.Core.Tests.Samples;

/// <summary>deploy/samples/taskrun-v1.yaml is the seed design's example TaskRun, minus its status and its namespace (samples install into any namespace).</summary>
public sealed class SeedExampleTests
{
    /// <summary>Copied verbatim from the seed design (docs: "TaskRun Resource Structure").</summary>
    private const string SeedExample = """
        apiVersion: orchestrator.io/v1
        kind: TaskRun
        metadata:
          name: auth-service-task-1001
          namespace: orchestrator
          labels:
            task-id: "1001"
            service: "auth-service"
            priority: "high"
        spec:
          taskId: 1001
          serviceName: "auth-service"
          priority: "high"
          markdownFiles:
            - filename: "task.md"
              content: "# Task Implementation Details..."
              fileType: "task"
            - filename: "design-spec.md"
              content: "# Service Design Specification..."
              fileType: "design-spec"
            - filename: "prompt.md"
              content: "# Autonomous Agent Instructions..."
              fileType: "prompt"
          retryAttempt: 1
        status:
          phase: "Running"
          conditions:
            - type: "ConfigMapReady"
              status: "True"
              lastTransitionTime: "2024-07-02T10:00:00Z"
            - type: "JobCreated"
              status: "True"
              lastTransitionTime: "2024-07-02T10:01:00Z"
          configMapName: "auth-service-task-1001-run-1-files"
          jobName: "auth-service-task-1001-run-1"
          startTime: "2024-07-02T10:00:00Z"
          message: "Claude agent is implementing authentication service"
        """;

    [Fact]
    public void V1_sample_is_the_seed_example_without_status()
    {
        var seed = YamlToJson.Parse(SeedExample)!.AsObject();
        seed.Remove("status");
        seed["metadata"]!.AsObject().Remove("namespace");

        var sample = SampleFiles.Load(SampleFiles.V1);

        Assert.True(JsonNode.DeepEquals(seed, sample), $"the v1 sample differs from the seed's example:\n{sample.ToJsonString()}");
    }

    [Fact]
    public void V1_sample_has_the_seed_example_key_values()
    {
        var sample = SampleFiles.Load(SampleFiles.V1);
        var spec = sample["spec"]!;
        var files = spec["markdownFiles"]!.AsArray().Select(f => ((string?)f!["filename"], (string?)f["fileType"], (string?)f["content"]));

        Assert.Equal("orchestrator.io/v1", (string?)sample["apiVersion"]);
        Assert.Equal("auth-service-task-1001", (string?)sample["metadata"]!["name"]);
        Assert.Null(sample["metadata"]!["namespace"]);
        Assert.Equal(1001L, (long?)spec["taskId"]);
        Assert.Equal("auth-service", (string?)spec["serviceName"]);
        Assert.Equal("high", (string?)spec["priority"]);
        Assert.Equal(1L, (long?)spec["retryAttempt"]);
        Assert.Equal(
            [
                ("task.md", "task", "# Task Implementation Details..."),
                ("design-spec.md", "design-spec", "# Service Design Specification..."),
                ("prompt.md", "prompt", "# Autonomous Agent Instructions..."),
            ],
            files);
        Assert.Null(sample["status"]);
    }
}
