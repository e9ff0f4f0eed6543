using System.Globalization;

namespace TaskRun.Controller;

/// <summary>Counts every request the Kubernetes client makes as client-go's <c>rest_client_requests_total{code,method,host}</c>.</summary>
public sealed class RestClientMetricsHandler(ControllerMetrics metrics) : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var host = request.RequestUri?.IsDefaultPort == false ? $"{request.RequestUri.Host}:{request.RequestUri.Port}" : request.RequestUri?.Host ?? "";
        try
        {
            var response = await base.SendAsync(request, cancellationToken);
            metrics.RestClientRequest(((int)response.StatusCode).ToString(CultureInfo.InvariantCulture), request.Method.Method, host);
            return response;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            // client-go counts a request that got no response under code "<error>".
            metrics.RestClientRequest("<error>", request.Method.Method, host);
            throw;
        }
    }
}
