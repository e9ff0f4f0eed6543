using Microsoft.AspNetCore.Connections;

namespace TaskRun.Webhook.Hosting;

/// <summary>
/// Connection middleware for the TLS port only: beyond <c>max</c> open connections a new one is closed at once,
/// before its TLS handshake costs anything. Kestrel's own MaxConcurrentConnections counts every listener, so a
/// flood on the review port would also shut out the kubelet's probes on the health port; this does not.
/// </summary>
internal static class ConnectionLimit
{
    public static Func<ConnectionDelegate, ConnectionDelegate> Middleware(int max, Action onRefused)
    {
        var open = 0;
        return next => async connection =>
        {
            if (Interlocked.Increment(ref open) > max)
            {
                Interlocked.Decrement(ref open);
                onRefused();
                connection.Abort(new ConnectionAbortedException($"over the limit of {max} connections on the review port"));
                return;
            }

            try
            {
                await next(connection);
            }
            finally
            {
                Interlocked.Decrement(ref open);
            }
        };
    }
}
