using System.Diagnostics;

namespace TaskRun.Webhook.Observability;

/// <summary>The webhook's trace spans; exported over OTLP only when an endpoint is configured.</summary>
internal static class WebhookTelemetry
{
    public const string SourceName = "TaskRun.Webhook";

    public static readonly ActivitySource Source = new(SourceName, typeof(WebhookTelemetry).Assembly.GetName().Version?.ToString());
}
