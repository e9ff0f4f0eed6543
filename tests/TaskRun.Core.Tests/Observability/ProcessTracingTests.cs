using System.Diagnostics;
using Microsoft.Extensions.Logging.Abstractions;
using OpenTelemetry.Exporter;
using TaskRun.Core.Config;
using TaskRun.Core.Observability;
using TaskRun.Testing;
using Xunit;

namespace TaskRun.Core.Tests.Observability;

/// <summary>The real OTLP exporter posting to local receivers, switched by config as the processes switch it.</summary>
public sealed class ProcessTracingTests
{
    private static readonly ActivitySource Source = new("TaskRun.Core.Tests.ProcessTracing");

    [Fact]
    public async Task A_config_change_moves_the_spans_to_the_new_target_and_flushes_the_old_one()
    {
        using var first = new OtlpReceiver();
        using var second = new OtlpReceiver();
        var tracing = new ProcessTracing("tracing-under-test", [Source.Name], fixedTarget: null, instrument: null, NullLogger.Instance);
        try
        {
            Assert.Null(tracing.Current);
            using (Source.StartActivity("before any config"))
            {
            }

            await tracing.Apply(Http(first));
            using (Source.StartActivity("span one"))
            {
            }

            await tracing.Apply(Http(second));
            using (Source.StartActivity("span two"))
            {
            }

            Assert.True(first.Received("/v1/traces", "service.name", "tracing-under-test", "span one"), "the first target's spans, flushed when the config moved away from it");
        }
        finally
        {
            tracing.Dispose();
        }

        Assert.True(second.Received("/v1/traces", "service.name", "tracing-under-test", "span two"), "disposing flushes the second target's spans");
        Assert.False(first.ReceivedAnywhere("span two"));
        Assert.False(second.ReceivedAnywhere("span one"));
        Assert.False(first.ReceivedAnywhere("before any config") || second.ReceivedAnywhere("before any config"));
    }

    [Fact]
    public void A_fixed_target_ignores_the_config_and_disabled_telemetry_turns_export_off()
    {
        var pinned = new TracesTarget(new Uri("http://pinned:4318/v1/traces"), OtlpExportProtocol.HttpProtobuf);
        using (var fixedTracing = new ProcessTracing("t", [Source.Name], pinned, instrument: null, NullLogger.Instance))
        {
            fixedTracing.Apply(new TelemetryConfig { Enabled = false });
            Assert.Equal(pinned, fixedTracing.Current);
        }

        using var tracing = new ProcessTracing("t", [Source.Name], fixedTarget: null, instrument: null, NullLogger.Instance);
        tracing.Apply(new TelemetryConfig { OtlpEndpoint = "collector:4317" });
        Assert.Equal(new TracesTarget(new Uri("http://collector:4317"), OtlpExportProtocol.Grpc), tracing.Current);
        tracing.Apply(new TelemetryConfig { Enabled = false });
        Assert.Null(tracing.Current);
    }

    private static TelemetryConfig Http(OtlpReceiver receiver) =>
        new() { OtlpEndpoint = receiver.Endpoint.ToString(), Protocol = TelemetryConfig.HttpProtobuf };
}
