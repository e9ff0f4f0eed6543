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
        await Cluster.CreateAsync(fixture.Client, Cluster.SeedExample(ns));
        await Cluster.WaitRunningAsync(fixture.Client, ns, 1, TimeSpan.FromSeconds(60));

        await Eventually.HoldsAsync(() => Task.FromResult(receiver.Received("/v1/traces", "reconcile TaskRun")), got => got, "a reconcile span at /v1/traces");

        Assert.True(receiver.Received("/v1/traces", "service.name", "taskrun-controller", "reconcile TaskRun", "apply Job"));
        Assert.All(receiver.Requests, r => Assert.Equal("/v1/traces", r.Path));
        Assert.False(receiver.ReceivedAnywhere("unknown_service"));
    }
}
