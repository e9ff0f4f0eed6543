namespace TaskRun.Core.Observability;

/// <summary>
/// Where spans go over OTLP/HTTP, from the standard variables: <c>OTEL_EXPORTER_OTLP_TRACES_ENDPOINT</c> is the
/// full URL, <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> a base to which the signal path <c>/v1/traces</c> is appended
/// (the OpenTelemetry spec's rule; an exporter given a URL in code would post to it as it is, e.g. to "/").
/// </summary>
public static class OtlpEndpoints
{
    public const string TracesPath = "/v1/traces";

    /// <summary>The URL to post spans to, or null when neither is set (then no span leaves the process).</summary>
    public static Uri? TracesUrl(string? baseEndpoint, string? tracesEndpoint)
    {
        if (!string.IsNullOrWhiteSpace(tracesEndpoint))
        {
            return Absolute(tracesEndpoint, "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT");
        }

        if (string.IsNullOrWhiteSpace(baseEndpoint))
        {
            return null;
        }

        var root = Absolute(baseEndpoint, "OTEL_EXPORTER_OTLP_ENDPOINT");
        var path = root.AbsolutePath.TrimEnd('/');
        return path.EndsWith(TracesPath, StringComparison.Ordinal) ? root : new UriBuilder(root) { Path = path + TracesPath }.Uri;
    }

    /// <summary>
    /// The endpoint handed to the agent as <c>OTEL_EXPORTER_OTLP_ENDPOINT</c>: OpenTelemetry SDKs need a URL with a
    /// scheme, so a configured <c>host:port</c> gets <c>http://</c>.
    /// </summary>
    public static string WithScheme(string endpoint)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        return endpoint.StartsWith("http://", StringComparison.OrdinalIgnoreCase) || endpoint.StartsWith("https://", StringComparison.OrdinalIgnoreCase)
            ? endpoint
            : "http://" + endpoint;
    }

    /// <summary>An absolute http(s) URL, or an error that names the setting it came from.</summary>
    public static Uri Absolute(string value, string name) =>
        Uri.TryCreate(value.Trim(), UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https"
            ? uri
            : throw new InvalidOperationException($"{name} is \"{value}\"; it must be an absolute http(s) URL such as http://otel-collector:4318");
}
