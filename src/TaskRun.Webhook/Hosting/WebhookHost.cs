using System.Net.Security;
using System.Security.Authentication;
using k8s;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.Options;
using OpenTelemetry.Trace;
using Prometheus;
using Serilog;
using Serilog.Events;
using Serilog.Formatting.Compact;
using TaskRun.Core.Observability;
using TaskRun.Runtime;
using TaskRun.Webhook.Admission;
using TaskRun.Webhook.Config;
using TaskRun.Webhook.Conversion;
using TaskRun.Webhook.Dependencies;
using TaskRun.Webhook.Observability;
using TaskRun.Webhook.Tls;

namespace TaskRun.Webhook.Hosting;

/// <summary>
/// Wires the webhook: options (validated before anything starts), Serilog JSON logs, metrics, traces, the
/// certificate reloader, the live config, the handlers, and Kestrel with two listeners: HTTPS only (TLS 1.2+,
/// HTTP/1.1) for the reviews, plain HTTP for /healthz, /readyz and /metrics.
/// </summary>
internal static class WebhookHost
{
    /// <summary>What Kestrel buffers per connection ahead of the handler (socket and decrypted), each way.</summary>
    private const int MaxReadAheadBytes = 64 * 1024;

    public static async Task<int> RunAsync(string[] args)
    {
        WebApplication app;
        try
        {
            app = Build(args);
        }
        catch (OptionsValidationException e)
        {
            await Console.Error.WriteLineAsync("taskrun-webhook: invalid settings:\n  " + string.Join("\n  ", e.Failures));
            return 2;
        }

        await app.RunAsync();
        return 0;
    }

    /// <param name="args">Command-line arguments, e.g. <c>--Webhook:TlsPort=9443</c>.</param>
    /// <param name="configure">Runs after the defaults are registered (tests replace services, e.g. the config).</param>
    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateSlimBuilder(args);
        var section = builder.Configuration.GetSection(WebhookOptions.Section);
        var options = section.Get<WebhookOptions>() ?? new WebhookOptions();
        var validation = new WebhookOptionsValidator().Validate(null, options);
        if (validation.Failed)
        {
            throw new OptionsValidationException(WebhookOptions.Section, typeof(WebhookOptions), validation.Failures);
        }

        builder.Services.AddOptions<WebhookOptions>().Bind(section).ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<WebhookOptions>, WebhookOptionsValidator>();
        AddLogging(builder);
        AddTracing(builder, options);

        var services = builder.Services;
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton<WebhookMetrics>();
        services.AddSingleton<CertificateReloader>();
        services.AddHostedService(sp => sp.GetRequiredService<CertificateReloader>());
        if (options.WatchConfig)
        {
            services.AddSingleton<IKubernetes>(_ => CreateKubernetesClient(options));
            services.AddSingleton<WatchedConfig>();
            services.AddSingleton<ILiveConfig>(sp => sp.GetRequiredService<WatchedConfig>());
            services.AddHostedService(sp => sp.GetRequiredService<WatchedConfig>());
            // The same API access follows the dependsOn graph of existing TaskRuns (read-only, cached).
            services.AddSingleton<DependencyGraphCache>();
            services.AddSingleton<IDependencyGraph>(sp => sp.GetRequiredService<DependencyGraphCache>());
            services.AddHostedService(sp => sp.GetRequiredService<DependencyGraphCache>());
        }
        else
        {
            services.AddSingleton<ILiveConfig>(new StaticConfig(options.ConfigNamespace));
            services.AddSingleton<IDependencyGraph, NoDependencyGraph>();
        }

        services.AddSingleton<MutatingHandler>();
        services.AddSingleton<ValidatingHandler>();
        services.AddSingleton<ConfigMapValidatingHandler>();
        services.AddSingleton<ConversionHandler>();
        services.AddSingleton(new RequestBodyBudget(options.RequestBodyBudgetBytes));
        services.AddSingleton<ReviewEndpoint>();
        services.AddHostedService<IdleMemoryTrimmer>();
        configure?.Invoke(builder);

        builder.WebHost.ConfigureKestrel((context, kestrel) => ConfigureKestrel(kestrel, options));
        // The socket transport reads ahead up to 1 MiB per connection by default, outside any budget of ours:
        // with hundreds of connections that alone is hundreds of MiB. Read ahead 64 KiB at most.
        builder.WebHost.UseSockets(sockets =>
        {
            sockets.MaxReadBufferSize = MaxReadAheadBytes;
            sockets.MaxWriteBufferSize = MaxReadAheadBytes;
        });
        var app = builder.Build();
        StartTracing(app);
        MapEndpoints(app);
        return app;
    }

    private static void ConfigureKestrel(KestrelServerOptions kestrel, WebhookOptions options)
    {
        kestrel.AddServerHeader = false;
        // Limits against senders that hold memory or connections (docs/webhook-limits.md): bodies are capped per
        // endpoint (ReviewEndpoint) and in total (RequestBodyBudget); slow bodies and headers are dropped.
        kestrel.Limits.MaxRequestBodySize = Math.Max(options.MaxAdmissionBodyBytes, options.MaxConversionBodyBytes);
        kestrel.Limits.MinRequestBodyDataRate = new MinDataRate(options.MinRequestBodyBytesPerSecond, options.MinRequestBodyGracePeriod);
        kestrel.Limits.RequestHeadersTimeout = options.RequestHeadersTimeout;
        kestrel.Limits.MaxConcurrentUpgradedConnections = 0;
        kestrel.Limits.KeepAliveTimeout = TimeSpan.FromSeconds(60);
        // What Kestrel buffers per connection ahead of the handler: a review waiting for budget holds no more.
        kestrel.Limits.MaxRequestBufferSize = MaxReadAheadBytes;
        var reloader = kestrel.ApplicationServices.GetRequiredService<CertificateReloader>();
        var metrics = kestrel.ApplicationServices.GetRequiredService<WebhookMetrics>();
        kestrel.Listen(options.ParsedBindAddress, options.TlsPort, listen =>
        {
            listen.Protocols = HttpProtocols.Http1;
            listen.Use(ConnectionLimit.Middleware(options.MaxTlsConnections, () => metrics.ConnectionsRefused.Inc()));
            listen.Use(PlainHttpRejection.Middleware(options.TlsHandshakeTimeout));
            listen.UseHttps(new TlsHandshakeCallbackOptions
            {
                HandshakeTimeout = options.TlsHandshakeTimeout,
                // Asked per connection, so a reloaded certificate is used from the next handshake on.
                OnConnection = _ => ValueTask.FromResult(new SslServerAuthenticationOptions
                {
                    ServerCertificateContext = reloader.Context
                        ?? throw new AuthenticationException("no serving certificate is loaded yet; see the webhook's log"),
                    EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
                    ApplicationProtocols = [SslApplicationProtocol.Http11],
                    ClientCertificateRequired = false,
                    CertificateRevocationCheckMode = System.Security.Cryptography.X509Certificates.X509RevocationMode.NoCheck,
                }),
            });
        });
        kestrel.Listen(options.ParsedBindAddress, options.HealthPort, listen => listen.Protocols = HttpProtocols.Http1);
    }

    private static void MapEndpoints(WebApplication app)
    {
        // Everything on the TLS port is a review; health and metrics exist only on the plain port.
        var reviews = app.Services.GetRequiredService<ReviewEndpoint>();
        app.MapWhen(context => context.Request.IsHttps, tls => tls.Run(reviews.HandleAsync));
        // Routing after the branch: a review is not matched against the plain port's routes first.
        app.UseRouting();

        app.MapGet("/healthz", () => Results.Text("ok\n"));
        app.MapGet("/readyz", (CertificateReloader certificates, ILiveConfig config, IDependencyGraph dependencies) =>
        {
            var configState = config is WatchedConfig watched && !watched.HasSynced ? "not synced yet (built-in defaults)"
                : config.BlockedReason is { } blocked ? $"INVALID, TaskRun admission closed: {blocked}" : config.Origin.ToString();
            var graphState = dependencies.HasSynced ? "synced" : "not synced (cycles are caught by the controller only)";
            return certificates.Certificate is { } certificate
                ? Results.Text($"ok\ncertificate: serial {certificate.SerialNumber}, valid until {certificate.NotAfter.ToUniversalTime():o}\nconfig: {configState}\ndependency graph: {graphState}\n")
                : Results.Text($"not ready: no serving certificate loaded ({certificates.LastFailure ?? "not read yet"})\n", statusCode: StatusCodes.Status503ServiceUnavailable);
        });
        app.MapMetrics("/metrics", app.Services.GetRequiredService<WebhookMetrics>().Registry);
    }

    /// <summary>A Serilog level above Fatal: nothing of a category set to it is enabled.</summary>
    private const LogEventLevel Off = LogEventLevel.Fatal + 1;

    /// <summary>JSON lines on stdout in the controller's format (<see cref="TaskRun.Core.Observability.JsonLogFormatter"/>), buffered (see <see cref="BufferedConsoleSink"/>).</summary>
    private static void AddLogging(WebApplicationBuilder builder)
    {
        builder.Logging.ClearProviders();
        builder.Services.AddSerilog((services, logger) => logger
            .MinimumLevel.Information()
            .MinimumLevel.Override("Microsoft", LogEventLevel.Warning)
            .MinimumLevel.Override("Microsoft.Hosting.Lifetime", LogEventLevel.Information)
            // ASP.NET Core starts an Activity and a logging scope for every request while this category is enabled
            // at any level, spans nobody exports (ours are made only when an exporter listens). Unhandled request
            // errors are still logged, by Kestrel's own category.
            .MinimumLevel.Override("Microsoft.AspNetCore.Hosting.Diagnostics", Off)
            .ReadFrom.Configuration(builder.Configuration)
            .ReadFrom.Services(services)
            .Enrich.FromLogContext()
            .Enrich.WithProperty("app", "taskrun-webhook")
            .WriteTo.Sink(new BufferedConsoleSink(new TaskRun.Core.Observability.JsonLogFormatter())));
    }

    /// <summary>
    /// Spans go over OTLP to the target Webhook:OtlpEndpoint or the standard OTEL_* variables name; without them,
    /// to the config ConfigMap's <c>telemetry.*</c> target, switched when the config changes (with WatchConfig
    /// off no config is read: only the explicit settings count). Without a target nothing listens and spans cost
    /// nothing. Probe and metrics requests make no spans.
    /// </summary>
    private static void AddTracing(WebApplicationBuilder builder, WebhookOptions options)
    {
        var fixedTarget = options.OtlpEndpoint is { Length: > 0 } configured
            ? new TracesTarget(OtlpEndpoints.TracesUrl(configured, null)!, OpenTelemetry.Exporter.OtlpExportProtocol.HttpProtobuf)
            : TracesTarget.FromEnvironment(Environment.GetEnvironmentVariable);
        var serviceName = Environment.GetEnvironmentVariable("OTEL_SERVICE_NAME") is { Length: > 0 } name ? name : "taskrun-webhook";
        builder.Services.AddSingleton(services => new ProcessTracing(serviceName, [WebhookTelemetry.SourceName], fixedTarget,
            tracing => tracing.AddAspNetCoreInstrumentation(aspNetCore => aspNetCore.Filter = context => !IsProbeOrMetrics(context.Request.Path)),
            services.GetRequiredService<ILogger<ProcessTracing>>()));
    }

    /// <summary>Creates the tracing (a fixed target starts exporting now) and lets the live config steer it.</summary>
    private static void StartTracing(WebApplication app)
    {
        var tracing = app.Services.GetRequiredService<ProcessTracing>();
        if (app.Services.GetService<WatchedConfig>() is { } live)
        {
            live.Changed += (_, e) => _ = tracing.Apply(e.Config.Telemetry);
        }
    }

    private static bool IsProbeOrMetrics(PathString path) =>
        path.StartsWithSegments("/healthz") || path.StartsWithSegments("/readyz") || path.StartsWithSegments("/metrics");

    private static Kubernetes CreateKubernetesClient(WebhookOptions options) => KubernetesClientFactory.Create(options.Kubeconfig,
        "set Webhook:Kubeconfig or KUBECONFIG, run the webhook in a cluster, or set Webhook:WatchConfig=false to use the built-in defaults");
}
