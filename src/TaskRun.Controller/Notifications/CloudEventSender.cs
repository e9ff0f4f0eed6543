namespace TaskRun.Controller.Notifications;

/// <summary>POSTs one CloudEvent to one sink, once, within a timeout; redirects are not followed.</summary>
public sealed class CloudEventSender : IDisposable
{
    private readonly HttpClient http;

    public CloudEventSender(HttpMessageHandler? handler = null)
    {
        http = new HttpClient(handler ?? new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            ConnectTimeout = TimeSpan.FromSeconds(10),
        })
        {
            // Each attempt has its own timeout (notifications.timeoutSeconds).
            Timeout = Timeout.InfiniteTimeSpan,
        };
    }

    public async Task<SinkResponse> SendAsync(CloudEvent cloudEvent, Uri sink, TimeSpan timeout, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(cloudEvent);
        using var attempt = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        attempt.CancelAfter(timeout);
        using var request = cloudEvent.ToRequest(sink);
        try
        {
            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, attempt.Token);
            return SinkResponse.FromStatus(response.StatusCode);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return new SinkResponse(DeliveryOutcome.Retryable, $"no answer within {timeout.TotalSeconds:0.#}s");
        }
        catch (HttpRequestException e)
        {
            return new SinkResponse(DeliveryOutcome.Retryable, $"connection failed: {e.Message}");
        }
    }

    /// <summary>A sink as logs and Events show it: scheme, host, port and path; never credentials or a query.</summary>
    public static string Redact(Uri sink)
    {
        ArgumentNullException.ThrowIfNull(sink);
        return $"{sink.Scheme}://{sink.Host}:{sink.Port}{sink.AbsolutePath}";
    }

    public void Dispose() => http.Dispose();
}
