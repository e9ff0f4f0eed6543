using Microsoft.Extensions.Options;
using Prometheus;
using Serilog;
using TaskRun.Controller;
using TaskRun.Controller.Hosting;
using TaskRun.Core.Observability;
using TaskRun.Runtime.Leadership;

// Wiring only: settings are validated before anything starts.
KubernetesJsonReflection.EnsureUnderNativeAot();
var builder = WebApplication.CreateSlimBuilder(args);
var section = builder.Configuration.GetSection(ControllerProcessOptions.Section);
builder.Services.AddOptions<ControllerProcessOptions>().Bind(section).ValidateOnStart();
builder.Services.AddSingleton<IValidateOptions<ControllerProcessOptions>, ControllerProcessOptionsValidator>();
// The metrics URL and the lease are needed while wiring, before the host starts: the same settings, checked here too.
var settings = section.Get<ControllerProcessOptions>() ?? new ControllerProcessOptions();
if (new ControllerProcessOptionsValidator().Validate(null, settings) is { Failed: true } invalid)
{
    await Console.Error.WriteLineAsync("taskrun-controller: invalid settings:\n  " + string.Join("\n  ", invalid.Failures));
    return 2;
}

builder.Services.AddSerilog(logging => logging
    .MinimumLevel.Information()
    .MinimumLevel.Override("Microsoft.AspNetCore", Serilog.Events.LogEventLevel.Warning)
    .MinimumLevel.Override("System.Net.Http", Serilog.Events.LogEventLevel.Warning)
    .ReadFrom.Configuration(builder.Configuration)
    .Enrich.FromLogContext()
    .Enrich.WithProperty("app", "taskrun-controller")
    .WriteTo.Console(new TaskRun.Core.Observability.JsonLogFormatter()));
builder.WebHost.UseUrls(settings.MetricsUrl);
builder.Services.AddSingleton<IKubernetes>(sp => KubernetesClientFactory.Create(settings.Kubeconfig,
    "set Controller:Kubeconfig or KUBECONFIG, or run the controller in a cluster", new RestClientMetricsHandler(sp.GetRequiredService<ControllerMetrics>())));
// The .NET runtime's meters and event counters, as prometheus-net exports them, break Prometheus' naming rules
// (gauges named *_count and *_total: `promtool check metrics`); the process and GC collectors stay.
Metrics.SuppressDefaultMetrics(new SuppressDefaultMetricOptions { SuppressEventCounters = true, SuppressMeters = true });
builder.Services.AddSingleton(_ => new ControllerMetrics(Metrics.DefaultRegistry, settings.LeaderElection.LeaseName));
builder.Services.AddSingleton(sp => ControllerConfigWatch.Create(sp.GetRequiredService<IKubernetes>(), settings.SystemNamespace,
    sp.GetRequiredService<ControllerMetrics>(), sp.GetRequiredService<ILoggerFactory>()));
builder.Services.AddSingleton(sp => new LeaderElection(sp.GetRequiredService<IKubernetes>(), settings.SystemNamespace,
    settings.LeaderElection, sp.GetRequiredService<ControllerMetrics>(), sp.GetRequiredService<ILogger<LeaderElection>>()));
builder.Services.AddSingleton<ControllerService>();
builder.Services.AddHostedService(sp => sp.GetRequiredService<ControllerService>());
// Spans go to the target the OTEL_* variables name; without them, to the config's telemetry.* target, switched
// when the config changes (README, "Tracing").
builder.Services.AddSingleton(sp => new ProcessTracing(
    Environment.GetEnvironmentVariable("OTEL_SERVICE_NAME") is { Length: > 0 } name ? name : "taskrun-controller",
    [Telemetry.SourceName], TracesTarget.FromEnvironment(Environment.GetEnvironmentVariable), instrument: null,
    sp.GetRequiredService<ILogger<ProcessTracing>>()));

var app = builder.Build();
var tracing = app.Services.GetRequiredService<ProcessTracing>();
var liveConfig = app.Services.GetRequiredService<ControllerConfigSource>();
liveConfig.Changed += (_, e) => _ = tracing.Apply(e.Config.Telemetry);
app.MapGet("/healthz", () => Results.Text("ok"));
// Readiness does not depend on leadership: a standby is healthy and ready to take over.
// Fail closed: with an invalid stored config and no valid one known, the controller is not ready and starts nothing.
app.MapGet("/readyz", (ControllerService controller, ControllerConfigSource config) =>
    !controller.IsConfigSynced ? Results.Text("config not read yet", statusCode: StatusCodes.Status503ServiceUnavailable)
    : config.BlockedReason is { } blocked ? Results.Text($"not ready: {blocked}", statusCode: StatusCodes.Status503ServiceUnavailable)
    : Results.Text("ok"));
app.MapMetrics();
await app.RunAsync();
return 0;
