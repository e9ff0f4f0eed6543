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
    /// Largest admission review body: 3 MiB + 64 KiB. The API server cannot store a TaskRun larger than etcd's
    /// request limit (1.5 MiB, kube-apiserver's --max-request-bytes default for etcd), and the review carries the
    /// object in the same JSON encoding it is stored in; an UPDATE carries it twice (object and oldObject), and
    /// the envelope (uid, kinds, userInfo, options) takes a few KiB. So every review of a TaskRun the API
    /// server can hold fits; anything larger is not one, and gets 413 without being read.
    /// See docs/webhook-limits.md.
    /// </summary>
    public long MaxAdmissionBodyBytes { get; set; } = (3 * 1024 * 1024) + (64 * 1024);

    /// <summary>
    /// Largest conversion review body: 16 MiB. A LIST through v1 converts one page in one review (kubectl pages
    /// by 500); 16 MiB holds a page of 500 TaskRuns of 32 KiB or ten of the largest. A larger page fails with
    /// the webhook's 413 in the API server's error: page smaller (--chunk-size) or read v2, which needs no
    /// conversion. A conversion's working set is several times its body, so this cap bounds it.
    /// </summary>
    public long MaxConversionBodyBytes { get; set; } = 16 * 1024 * 1024;

    /// <summary>
    /// Request body bytes all reviews may hold at once (<see cref="RequestBodyBudget"/>): 32 MiB. With the
    /// working set measured at about 4 bytes per body byte this keeps reviews under ~130 MiB whatever the load.
    /// </summary>
    public long RequestBodyBudgetBytes { get; set; } = 24 * 1024 * 1024;

    /// <summary>How long a review waits for budget before it gets 503 (the API server's webhook timeout is 5 s).</summary>
    public TimeSpan RequestBodyBudgetWait { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Open connections on the TLS port beyond which new ones are closed at once (health has its own port).</summary>
    public int MaxTlsConnections { get; set; } = 256;

    /// <summary>
    /// Slowest accepted request body, in bytes per second after a grace period; a sender below it is dropped,
    /// so a stalled body never holds its budget for long. The API server sends at network speed.
    /// </summary>
    public double MinRequestBodyBytesPerSecond { get; set; } = 256 * 1024;

    public TimeSpan MinRequestBodyGracePeriod { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Time allowed to receive a request's headers; a connection that trickles them is closed.</summary>
    public TimeSpan RequestHeadersTimeout { get; set; } = TimeSpan.FromSeconds(10);

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

        if (options.RequestBodyBudgetBytes < Math.Max(options.MaxAdmissionBodyBytes, options.MaxConversionBodyBytes))
        {
            errors.Add($"Webhook:RequestBodyBudgetBytes ({options.RequestBodyBudgetBytes:N0}) must be at least the largest body cap, or such a body could never be read");
        }

        if (options.RequestBodyBudgetWait < TimeSpan.Zero || options.RequestBodyBudgetWait > TimeSpan.FromSeconds(30))
        {
            errors.Add($"Webhook:RequestBodyBudgetWait must be between 0 and 30 s, not {options.RequestBodyBudgetWait}");
        }

        if (options.MaxTlsConnections < 1)
        {
            errors.Add($"Webhook:MaxTlsConnections must be at least 1, not {options.MaxTlsConnections}");
        }

        if (options.MinRequestBodyBytesPerSecond <= 0 || options.MinRequestBodyGracePeriod <= TimeSpan.Zero || options.RequestHeadersTimeout <= TimeSpan.Zero)
        {
            errors.Add("Webhook:MinRequestBodyBytesPerSecond, MinRequestBodyGracePeriod and RequestHeadersTimeout must be positive");
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
