using TaskRun.Core.Observability;
using Xunit;

namespace TaskRun.Core.Tests.Observability;

public sealed class OtlpEndpointsTests
{
    [Theory]
    [InlineData("http://collector:4318", null, "http://collector:4318/v1/traces")]
    [InlineData("http://collector:4318/", null, "http://collector:4318/v1/traces")]
    [InlineData("https://otel.example/prefix", null, "https://otel.example/prefix/v1/traces")]
    [InlineData("http://collector:4318/v1/traces", null, "http://collector:4318/v1/traces")]
    [InlineData("http://ignored:1", "http://collector:4318/custom", "http://collector:4318/custom")]
    public void Spans_go_to_the_signal_path_under_the_base_endpoint_or_to_the_traces_endpoint_as_given(string? baseEndpoint, string? traces, string expected)
    {
        Assert.Equal(new Uri(expected), OtlpEndpoints.TracesUrl(baseEndpoint, traces));
    }

    [Fact]
    public void No_endpoint_means_no_export() => Assert.Null(OtlpEndpoints.TracesUrl(null, " "));

    [Fact]
    public void An_endpoint_without_a_scheme_is_refused_with_the_variable_name()
    {
        var error = Assert.Throws<InvalidOperationException>(() => OtlpEndpoints.TracesUrl("collector:4318", null));
        Assert.Contains("OTEL_EXPORTER_OTLP_ENDPOINT is \"collector:4318\"", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("otel-collector.telemetry.svc.cluster.local:4317", "http://otel-collector.telemetry.svc.cluster.local:4317")]
    [InlineData("https://collector:4318", "https://collector:4318")]
    [InlineData("http://collector:4318", "http://collector:4318")]
    public void The_agent_always_gets_an_endpoint_with_a_scheme(string configured, string expected)
    {
        Assert.Equal(expected, OtlpEndpoints.WithScheme(configured));
    }
}
