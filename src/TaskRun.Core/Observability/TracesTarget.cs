using OpenTelemetry.Exporter;
using TaskRun.Core.Config;

namespace TaskRun.Core.Observability;

/// <summary>Where a process posts its spans: an OTLP endpoint and its transport.</summary>
public sealed record TracesTarget(Uri Endpoint, OtlpExportProtocol Protocol)
{
    /// <summary>
    /// The target the standard variables name, or null when neither endpoint variable is set. They win over the
    /// config ConfigMap: an explicit per-process setting, as every OpenTelemetry SDK treats them.
    /// <c>OTEL_EXPORTER_OTLP_PROTOCOL</c> defaults to http/protobuf, the specification's default.
    /// </summary>
    public static TracesTarget? FromEnvironment(Func<string, string?> variable)
    {
        ArgumentNullException.ThrowIfNull(variable);
        var protocol = ParseProtocol(variable("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL") ?? variable("OTEL_EXPORTER_OTLP_PROTOCOL"), TelemetryConfig.HttpProtobuf);
        if (protocol == OtlpExportProtocol.Grpc)
        {
            var grpc = variable("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") is { Length: > 0 } traces ? traces : variable("OTEL_EXPORTER_OTLP_ENDPOINT");
            return string.IsNullOrWhiteSpace(grpc) ? null : new(OtlpEndpoints.Absolute(grpc, "OTEL_EXPORTER_OTLP_ENDPOINT"), protocol);
        }

        var url = OtlpEndpoints.TracesUrl(variable("OTEL_EXPORTER_OTLP_ENDPOINT"), variable("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"));
        return url is null ? null : new(url, protocol);
    }

    /// <summary>The target the config's <c>telemetry.*</c> keys name, or null when telemetry is off or has no endpoint.</summary>
    public static TracesTarget? FromConfig(TelemetryConfig telemetry)
    {
        ArgumentNullException.ThrowIfNull(telemetry);
        if (!telemetry.Enabled || string.IsNullOrWhiteSpace(telemetry.OtlpEndpoint))
        {
            return null;
        }

        var endpoint = OtlpEndpoints.WithScheme(telemetry.OtlpEndpoint);
        var protocol = ParseProtocol(telemetry.Protocol, TelemetryConfig.Grpc);
        return protocol == OtlpExportProtocol.Grpc
            ? new(OtlpEndpoints.Absolute(endpoint, "telemetry.otlpEndpoint"), protocol)
            : new(OtlpEndpoints.TracesUrl(endpoint, null)!, protocol);
    }

    private static OtlpExportProtocol ParseProtocol(string? value, string fallback) =>
        (string.IsNullOrWhiteSpace(value) ? fallback : value.Trim()) switch
        {
            TelemetryConfig.Grpc => OtlpExportProtocol.Grpc,
            TelemetryConfig.HttpProtobuf => OtlpExportProtocol.HttpProtobuf,
            var other => throw new InvalidOperationException($"the OTLP protocol is \"{other}\"; use grpc or http/protobuf"),
        };
}
