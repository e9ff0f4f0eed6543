using System.Collections.Concurrent;

namespace TaskRun.Controller.Tests.Integration;

/// <summary>
/// Counts the controller's API writes, and can make every request after the n-th write fail, which is how a
/// test "kills" a controller at an exact point of its work.
/// </summary>
internal sealed class WriteCounter : DelegatingHandler
{
    private int writes;

    public ConcurrentQueue<string> Writes { get; } = new();

    /// <summary>After this many writes every request fails, as if the process had died.</summary>
    public int? DieAfterWrites { get; set; }

    public int Count => writes;

    public bool IsDead => DieAfterWrites is { } limit && writes >= limit;

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (IsDead)
        {
            throw new HttpRequestException("controller killed by the test");
        }

        if (request.Method != HttpMethod.Get)
        {
            Interlocked.Increment(ref writes);
            Writes.Enqueue($"{request.Method} {request.RequestUri?.AbsolutePath}");
        }

        return base.SendAsync(request, cancellationToken);
    }
}
