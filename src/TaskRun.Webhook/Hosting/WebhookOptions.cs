using System.Net;
using Microsoft.Extensions.Options;

namespace TaskRun.Webhook.Hosting;

/// <summary>
/// The webhook's settings: section <c>Webhook</c> of the configuration, so <c>--Webhook:TlsPort=9443</c> on the
/// command line or <c>Webhook__TlsPort=9443</c> in the environment. Validated before the server starts.
/// </summary>
internal sealed class WebhookOptions
{
    public const string Section = "Webhook";

    /// <summary>HTTPS port of /mutate, /validate, /convert and /validate-config (0 picks a free port).</summary>
    public int TlsPort { get; set; } = 9443;

    /// <summary>Plain HTTP port of /healthz, /readyz and /metrics (0 picks a free port).</summary>
    public int HealthPort { get; set; } = 8080;

    /// <summary>The address both ports listen on; all interfaces by default (a Pod), 127.0.0.1 for local runs.</summary>
    public string BindAddress { get; set; } = "0.0.0.0";

    /// <summary>The directory holding <c>tls.crt</c> and <c>tls.key</c>: a cert-manager Secret's mount.</summary>
    public string CertDirectory { get; set; } = "/tls";

    /// <summary>How often the certificate files are compared with the loaded ones.</summary>
    public TimeSpan CertPollInterval { get; set; } = TimeSpan.FromSeconds(5);

    public TimeSpan TlsHandshakeTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Largest admission review body: 6 MiB. A valid TaskRun's files fit the 1 MiB ConfigMap budget; in the
    /// review the API server writes that content JSON-escaped (Go escapes &lt; &gt; &amp; as six bytes each), adds
    /// managedFields and kubectl's last-applied annotation (at most 256 KiB), and sends it twice on UPDATE
    /// (object and oldObject): about 2.5–3 MiB for realistic markdown, so 6 MiB leaves room for heavily escaped
    /// text while bounding what one request can make us buffer. A larger body gets 413.
    /// </summary>
    public long MaxAdmissionBodyBytes { get; set; } = 6 * 1024 * 1024;

    /// <summary>
    /// Largest conversion review body: 64 MiB. A LIST through a non-storage version converts every item in one
    /// review, so this bound is much larger; refusing it would break LIST and WATCH for v1 clients.
    /// </summary>
    public long MaxConversionBodyBytes { get; set; } = 64 * 1024 * 1024;

    /// <summary>The system namespace holding <c>taskrun-controller-config</c>.</summary>
    public string ConfigNamespace { get; set; } = "orchestrator";

    /// <summary>Watch the controller config through the API (off: built-in defaults, e.g. for a benchmark).</summary>
    public bool WatchConfig { get; set; } = true;

    /// <summary>A kubeconfig file; none means $KUBECONFIG, else the in-cluster service account.</summary>
    public string? Kubeconfig { get; set; }

    /// <summary>Create a Warning Event on the ConfigMap when an invalid config is seen (best effort).</summary>
    public bool EmitConfigEvents { get; set; } = true;

    /// <summary>OTLP endpoint for traces; when empty, OTEL_EXPORTER_OTLP_ENDPOINT is used; when both are empty, no exporter.</summary>
    public string? OtlpEndpoint { get; set; }

    public IPAddress ParsedBindAddress => IPAddress.Parse(BindAddress);

    public string CertificatePath => Path.Combine(CertDirectory, "tls.crt");

    public string KeyPath => Path.Combine(CertDirectory, "tls.key");
}

/// <summary>Checks <see cref="WebhookOptions"/> when the host starts, so a bad setting stops it with a clear message.</summary>
internal sealed class WebhookOptionsValidator : IValidateOptions<WebhookOptions>
{
    public ValidateOptionsResult Validate(string? name, WebhookOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();
        if (options.TlsPort is < 0 or > 65535)
        {
            errors.Add($"Webhook:TlsPort must be 0..65535, not {options.TlsPort}");
        }

        if (options.HealthPort is < 0 or > 65535)
        {
            errors.Add($"Webhook:HealthPort must be 0..65535, not {options.HealthPort}");
        }

        if (options.TlsPort != 0 && options.TlsPort == options.HealthPort)
        {
            errors.Add("Webhook:TlsPort and Webhook:HealthPort must differ: admission is HTTPS only, health and metrics are plain HTTP");
        }

        if (!IPAddress.TryParse(options.BindAddress, out _))
        {
            errors.Add($"Webhook:BindAddress must be an IP address, not \"{options.BindAddress}\"");
        }

        if (string.IsNullOrWhiteSpace(options.CertDirectory))
        {
            errors.Add("Webhook:CertDirectory is required (the directory with tls.crt and tls.key)");
        }

        if (options.CertPollInterval < TimeSpan.FromMilliseconds(50) || options.CertPollInterval > TimeSpan.FromHours(1))
        {
            errors.Add($"Webhook:CertPollInterval must be between 50ms and 1h, not {options.CertPollInterval}");
        }

        if (options.TlsHandshakeTimeout <= TimeSpan.Zero)
        {
            errors.Add("Webhook:TlsHandshakeTimeout must be positive");
        }

        if (options.MaxAdmissionBodyBytes < 64 * 1024 || options.MaxConversionBodyBytes < 64 * 1024)
        {
            errors.Add("Webhook:MaxAdmissionBodyBytes and Webhook:MaxConversionBodyBytes must be at least 64 KiB");
        }

        if (options.WatchConfig && string.IsNullOrWhiteSpace(options.ConfigNamespace))
        {
            errors.Add("Webhook:ConfigNamespace is required when Webhook:WatchConfig is true");
        }

        if (options.Kubeconfig is { Length: > 0 } kubeconfig && !File.Exists(kubeconfig))
        {
            errors.Add($"Webhook:Kubeconfig \"{kubeconfig}\" does not exist");
        }

        if (options.OtlpEndpoint is { Length: > 0 } otlp &&
            !(Uri.TryCreate(otlp, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https"))
        {
            errors.Add($"Webhook:OtlpEndpoint must be an absolute URL such as http://collector:4317, not \"{otlp}\"");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
