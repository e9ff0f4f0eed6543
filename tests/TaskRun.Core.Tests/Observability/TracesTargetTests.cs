using OpenTelemetry.Exporter;
using TaskRun.Core.Config;
using TaskRun.Core.Observability;
using Xunit;

namespace TaskRun.Core.Tests.Observability;

public sealed class TracesTargetTests
{
    [Fact]
    public void The_configs_default_is_grpc_to_the_collector_with_a_scheme()
    {
        var target = TracesTarget.FromConfig(new TelemetryConfig());
        Assert.Equal(new TracesTarget(new Uri("http://otel-collector-opentelemetry-collector.telemetry.svc.cluster.local:4317"), OtlpExportProtocol.Grpc), target);
    }

    [Theory]
    [InlineData("collector:4318", "http://collector:4318/v1/traces")]
    [InlineData("https://otel.example/prefix/", "https://otel.example/prefix/v1/traces")]
    public void With_http_protobuf_spans_go_to_the_signal_path(string endpoint, string expected)
    {
        var target = TracesTarget.FromConfig(new TelemetryConfig { OtlpEndpoint = endpoint, Protocol = TelemetryConfig.HttpProtobuf });
        Assert.Equal(new TracesTarget(new Uri(expected), OtlpExportProtocol.HttpProtobuf), target);
    }

    [Fact]
    public void Disabled_telemetry_or_no_endpoint_exports_nothing()
    {
        Assert.Null(TracesTarget.FromConfig(new TelemetryConfig { Enabled = false }));
        Assert.Null(TracesTarget.FromConfig(new TelemetryConfig { OtlpEndpoint = null }));
    }

    [Fact]
    public void The_standard_variables_default_to_http_protobuf_and_honour_the_protocol_variable()
    {
        Assert.Null(TracesTarget.FromEnvironment(_ => null));
        Assert.Equal(new TracesTarget(new Uri("http://collector:4318/v1/traces"), OtlpExportProtocol.HttpProtobuf),
            TracesTarget.FromEnvironment(Variables(("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4318"))));
        Assert.Equal(new TracesTarget(new Uri("http://collector:4317"), OtlpExportProtocol.Grpc),
            TracesTarget.FromEnvironment(Variables(("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4317"), ("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc"))));
        var error = Assert.Throws<InvalidOperationException>(() => TracesTarget.FromEnvironment(
            Variables(("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4317"), ("OTEL_EXPORTER_OTLP_PROTOCOL", "http/json"))));
        Assert.Contains("\"http/json\"; use grpc or http/protobuf", error.Message, StringComparison.Ordinal);
    }

    private static Func<string, string?> Variables(params (string Name, string Value)[] set) =>
        name => set.FirstOrDefault(v => v.Name == name).Value;
}
