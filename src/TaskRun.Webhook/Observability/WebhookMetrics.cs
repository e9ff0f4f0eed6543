using Prometheus;
using TaskRun.Core.Config;

namespace TaskRun.Webhook.Observability;

/// <summary>
/// The webhook's Prometheus metrics, in a registry of their own (served on the plain port at /metrics), so
/// several hosts in one test process never share counters.
/// </summary>
internal sealed class WebhookMetrics : IConfigMetrics
{
    public WebhookMetrics()
    {
        Registry = Metrics.NewCustomRegistry();
        DotNetStats.Register(Registry);
        var factory = Metrics.WithCustomRegistry(Registry);
        Requests = factory.CreateCounter("taskrun_webhook_requests_total",
            "Requests to the webhook by endpoint (mutate, validate, convert, validate-config, unknown), operation and result.",
            new CounterConfiguration { LabelNames = ["endpoint", "operation", "result"] });
        Duration = factory.CreateHistogram("taskrun_webhook_request_duration_seconds",
            "Time to answer a review, from the first byte of the body read to the last byte written.",
            new HistogramConfiguration
            {
                LabelNames = ["endpoint"],
                Buckets = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
            });
        Conversions = factory.CreateCounter("taskrun_webhook_conversions_total",
            "Objects converted, by direction (v1-to-v2, v2-to-v1, unchanged) and result.",
            new CounterConfiguration { LabelNames = ["direction", "result"] });
        ConfigUpdates = factory.CreateCounter("taskrun_webhook_config_updates_total",
            "Updates of the live controller config: applied, defaults (ConfigMap missing or deleted), rejected (invalid; last good kept), watch_error.",
            new CounterConfiguration { LabelNames = ["result"] });
        CertificateReloads = factory.CreateCounter("taskrun_webhook_certificate_reloads_total",
            "Serving certificate loads: loaded, or failed (the last good certificate is kept).",
            new CounterConfiguration { LabelNames = ["result"] });
        ConfigValid = factory.CreateGauge("taskrun_webhook_config_valid",
            "1 while a valid config (or the built-in one) is in use; 0 while the stored config is invalid and none is known (TaskRun admission refused).");
        ConfigValid.Set(1);
        CertificateExpiry = factory.CreateGauge("taskrun_webhook_certificate_expiry_timestamp_seconds",
            "Unix time at which the serving certificate in use expires.");
        ConnectionsRefused = factory.CreateCounter("taskrun_webhook_connections_refused_total",
            "Connections to the review port closed at once because Webhook:MaxTlsConnections were open.");
    }

    public CollectorRegistry Registry { get; }

    public Counter Requests { get; }

    public Histogram Duration { get; }

    public Counter Conversions { get; }

    public Counter ConfigUpdates { get; }

    public Counter CertificateReloads { get; }

    public Gauge CertificateExpiry { get; }

    public Counter ConnectionsRefused { get; }

    public Gauge ConfigValid { get; }

    public void ConfigUpdated(string result) => ConfigUpdates.WithLabels(result).Inc();

    public void SetConfigValid(bool valid) => ConfigValid.Set(valid ? 1 : 0);
}
