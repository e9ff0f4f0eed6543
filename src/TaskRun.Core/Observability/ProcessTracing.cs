using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using TaskRun.Core.Config;

namespace TaskRun.Core.Observability;

/// <summary>
/// A process's own span export, switchable while it runs: the standard OTEL_* variables fix the target for the
/// process's lifetime; without them the config ConfigMap's <c>telemetry.*</c> keys choose it, and a config change
/// swaps the exporter (the old one is flushed and disposed). No target means no provider: spans cost nothing.
/// </summary>
public sealed class ProcessTracing : IDisposable
{
    private readonly string serviceName;
    private readonly IReadOnlyList<string> sources;
    private readonly Action<TracerProviderBuilder>? instrument;
    private readonly TracesTarget? fixedTarget;
    private readonly ILogger logger;
    private readonly Lock gate = new();
    private TracerProvider? provider;
    private bool disposed;

    /// <param name="fixedTarget">From the process's settings or OTEL_* variables; when set, the config is ignored.</param>
    /// <param name="instrument">Extra instrumentation, e.g. ASP.NET Core's incoming requests.</param>
    public ProcessTracing(string serviceName, IReadOnlyList<string> sources, TracesTarget? fixedTarget, Action<TracerProviderBuilder>? instrument, ILogger logger)
    {
        this.serviceName = serviceName;
        this.sources = sources;
        this.fixedTarget = fixedTarget;
        this.instrument = instrument;
        this.logger = logger;
        if (fixedTarget is not null)
        {
            _ = Switch(fixedTarget);
        }
    }

    /// <summary>The target spans go to now, or null when none leaves the process.</summary>
    public TracesTarget? Current { get; private set; }

    /// <summary>Follows the config's telemetry keys, unless the process's own variables fixed the target.</summary>
    /// <returns>Completes when the spans batched for the previous target are flushed (callers need not wait).</returns>
    public Task Apply(TelemetryConfig telemetry) =>
        fixedTarget is null ? Switch(TracesTarget.FromConfig(telemetry)) : Task.CompletedTask;

    public void Dispose()
    {
        lock (gate)
        {
            disposed = true;
            provider?.Dispose();
            provider = null;
            Current = null;
        }
    }

    private Task Switch(TracesTarget? target)
    {
        TracerProvider? old;
        lock (gate)
        {
            if (disposed || target == Current)
            {
                return Task.CompletedTask;
            }

            old = provider;
            provider = target is null ? null : Build(target);
            Current = target;
        }

        logger.LogInformation("traces: {Target}", target is null ? "off" : $"OTLP {Protocol(target.Protocol)} to {target.Endpoint}");

        // Disposing flushes the spans already batched for the old target, which may take the exporter's timeout
        // when the old target is unreachable: not on the caller's (the config watch's) thread.
        return old is null ? Task.CompletedTask : Task.Run(old.Dispose);
    }

    private TracerProvider Build(TracesTarget target)
    {
        var builder = Sdk.CreateTracerProviderBuilder()
            .ConfigureResource(resource => resource.AddService(serviceName))
            .AddSource([.. sources]);
        instrument?.Invoke(builder);
        return builder
            .AddOtlpExporter(otlp =>
            {
                otlp.Protocol = target.Protocol;
                otlp.Endpoint = target.Endpoint;
            })
            .Build();
    }

    private static string Protocol(OtlpExportProtocol protocol) =>
        protocol == OtlpExportProtocol.Grpc ? TelemetryConfig.Grpc : TelemetryConfig.HttpProtobuf;
}
