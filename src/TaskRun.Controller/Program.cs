using k8s;
using OpenTelemetry.Trace;
using Prometheus;
using Serilog;
using Serilog.Formatting.Compact;
using TaskRun.Controller;
using TaskRun.Controller.Hosting;

// Wiring only: settings are validated before anything starts.
var builder = WebApplication.CreateSlimBuilder(args);
var settings = builder.Configuration.GetSection(ControllerSettings.Section).Get<ControllerSettings>() ?? new ControllerSettings();
settings.Validate();

builder.Services.AddSerilog(logging => logging
    .MinimumLevel.Information()
    .MinimumLevel.Override("Microsoft.AspNetCore", Serilog.Events.LogEventLevel.Warning)
    .MinimumLevel.Override("System.Net.Http", Serilog.Events.LogEventLevel.Warning)
    .ReadFrom.Configuration(builder.Configuration)
    .Enrich.FromLogContext()
    .Enrich.WithProperty("app", "taskrun-controller")
    .WriteTo.Console(new RenderedCompactJsonFormatter()));
builder.WebHost.UseUrls($"http://0.0.0.0:{settings.MetricsPort}");
builder.Services.Configure<ControllerSettings>(builder.Configuration.GetSection(ControllerSettings.Section));
builder.Services.AddSingleton<IKubernetes>(_ => new Kubernetes(string.IsNullOrEmpty(settings.Kubeconfig)
    ? KubernetesClientConfiguration.InClusterConfig()
    : KubernetesClientConfiguration.BuildConfigFromConfigFile(settings.Kubeconfig)));
builder.Services.AddSingleton(_ => new ControllerMetrics(Metrics.DefaultRegistry));
builder.Services.AddSingleton(sp => new LiveConfig(sp.GetRequiredService<IKubernetes>(), settings.SystemNamespace,
    sp.GetRequiredService<ControllerMetrics>(), sp.GetRequiredService<ILogger<LiveConfig>>()));
builder.Services.AddSingleton(sp => new LeaderElection(sp.GetRequiredService<IKubernetes>(), settings.SystemNamespace,
    settings.LeaderElection, sp.GetRequiredService<ControllerMetrics>(), sp.GetRequiredService<ILogger<LeaderElection>>()));
builder.Services.AddSingleton<ControllerService>();
builder.Services.AddHostedService(sp => sp.GetRequiredService<ControllerService>());
builder.Services.AddOpenTelemetry().WithTracing(tracing =>
{
    tracing.AddSource(Telemetry.SourceName);
    // The OTLP exporter reads OTEL_EXPORTER_OTLP_ENDPOINT; without it no spans leave the process.
    if (!string.IsNullOrEmpty(Environment.GetEnvironmentVariable("OTEL_EXPORTER_OTLP_ENDPOINT")))
    {
        tracing.AddOtlpExporter();
    }
});

var app = builder.Build();
app.MapGet("/healthz", () => Results.Text("ok"));
// Readiness does not depend on leadership: a standby is healthy and ready to take over.
// Fail closed: with an invalid stored config and no valid one known, the controller is not ready and starts nothing.
app.MapGet("/readyz", (ControllerService controller, LiveConfig config) =>
    !controller.IsConfigSynced ? Results.Text("config not read yet", statusCode: StatusCodes.Status503ServiceUnavailable)
    : config.BlockedReason is { } blocked ? Results.Text($"not ready: {blocked}", statusCode: StatusCodes.Status503ServiceUnavailable)
    : Results.Text("ok"));
app.MapMetrics();
app.Run();
