using TaskRun.Testing;
using Xunit;

namespace TaskRun.Controller.Tests.Integration;

/// <summary>The real controller process exports its spans over OTLP/HTTP to a local receiver, as a collector gets them.</summary>
[Collection(ControllerTests.Name)]
public sealed class TracingTests(KubernetesFixture fixture)
{
    [Fact]
    public async Task Spans_are_posted_to_v1_traces_with_the_controllers_service_name()
    {
        using var receiver = new OtlpReceiver();
        var ns = await fixture.CreateNamespaceAsync();
        var environment = new Dictionary<string, string>
        {
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = receiver.Endpoint.ToString(),
            ["OTEL_BSP_SCHEDULE_DELAY"] = "200",
        };
        await using var controller = ControllerProcess.Start(fixture, ns, "traced", LeaseTimings.Short, environment);
        await TaskRunClient.CreateAsync(fixture.Client, SeedTaskRun.Build(ns));
        await Cluster.WaitRunningAsync(fixture.Client, ns, 1, TimeSpan.FromSeconds(60));

        await Eventually.HoldsAsync(() => Task.FromResult(receiver.Received("/v1/traces", "reconcile TaskRun") && receiver.Received("/v1/traces", "apply Job")),
            got => got, "reconcile and apply Job spans at /v1/traces");

        // Every export carries the resource, so each request names the service.
        Assert.All(receiver.Requests, r => Assert.Equal("/v1/traces", r.Path));
        Assert.True(receiver.EveryRequestContains("service.name", "taskrun-controller"));
        Assert.False(receiver.ReceivedAnywhere("unknown_service"));

        // The log lines of the same work: one JSON format, the run's line tied to its trace.
        var lines = File.ReadAllLines(controller.LogPath).Where(l => l.StartsWith('{')).Select(l => System.Text.Json.Nodes.JsonNode.Parse(l)!).ToList();
        Assert.NotEmpty(lines);
        Assert.All(lines, line => Assert.True(line["time"] is not null && line["level"] is not null && line["msg"] is not null, line.ToJsonString()));
        var created = Assert.Single(lines, l => ((string?)l["msg"])?.StartsWith("created run 1", StringComparison.Ordinal) == true);
        Assert.Equal((ns, "auth-service-task-1001"), ((string?)created["namespace"], (string?)created["taskrun"]));
        Assert.Equal(32, ((string?)created["trace_id"])?.Length);
    }

    [Fact]
    public async Task Without_OTEL_variables_spans_follow_the_configs_telemetry_keys_and_switch_when_the_config_changes()
    {
        using var first = new OtlpReceiver();
        using var second = new OtlpReceiver();
        var ns = await fixture.CreateNamespaceAsync();
        await ControllerConfigMaps.ApplyAsync(fixture.Client, ns, $"telemetry:\n  otlpEndpoint: \"{first.Endpoint}\"\n  protocol: http/protobuf\n");
        await using var controller = ControllerProcess.Start(fixture, ns, "config-traced", LeaseTimings.Short,
            new Dictionary<string, string> { ["OTEL_BSP_SCHEDULE_DELAY"] = "200" });
        await TaskRunClient.CreateAsync(fixture.Client, SeedTaskRun.Build(ns, "first"));
        await Eventually.HoldsAsync(() => Task.FromResult(first.Received("/v1/traces", "service.name", "taskrun-controller", "reconcile TaskRun")),
            got => got, "reconcile spans at the first receiver's /v1/traces");

        await ControllerConfigMaps.ApplyAsync(fixture.Client, ns, $"telemetry:\n  otlpEndpoint: \"{second.Endpoint}\"\n  protocol: http/protobuf\n");
        await Eventually.HoldsAsync(() => Task.FromResult(controller.ReadLog().Contains($"OTLP http/protobuf to {second.Endpoint}v1/traces", StringComparison.Ordinal)),
            got => got, "the controller switched to the second receiver");
        await TaskRunClient.CreateAsync(fixture.Client, SeedTaskRun.Build(ns, "second"));
        await Eventually.HoldsAsync(() => Task.FromResult(second.Received("/v1/traces", "service.name", "taskrun-controller", "reconcile TaskRun")),
            got => got, "reconcile spans at the second receiver's /v1/traces");
        Assert.All(first.Requests.Concat(second.Requests), r => Assert.Equal("/v1/traces", r.Path));
    }
}
