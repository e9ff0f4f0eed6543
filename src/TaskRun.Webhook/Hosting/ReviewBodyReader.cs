using System.Buffers;
using System.IO.Pipelines;

namespace TaskRun.Webhook.Hosting;

/// <summary>
/// Reads a review body into one array of its own, consuming Kestrel's buffers as it goes, so the body is held
/// once (not in Kestrel's pool and again in a parser's copy). The array comes from the webhook's bounded pool
/// (<see cref="PooledBufferWriter.Pool"/>) and goes back when the review is answered (<see cref="ReviewBody.Dispose"/>):
/// a typical review allocated nothing for its body instead of 12 KB. A declared length sizes the array; an
/// undeclared one grows it by doubling, never past <c>limit</c>.
/// </summary>
internal static class ReviewBodyReader
{
    private const int FirstChunkedCapacity = 64 * 1024;

    /// <exception cref="BodyTooLargeException">The body is longer than <paramref name="limit"/>.</exception>
    public static async Task<ReviewBody> ReadAsync(PipeReader reader, long? declaredLength, long limit, CancellationToken cancellationToken)
    {
        var pool = PooledBufferWriter.Pool;
        byte[]? buffer = pool.Rent((int)(declaredLength ?? Math.Min(FirstChunkedCapacity, limit)));
        try
        {
            var length = 0;
            while (true)
            {
                var result = await reader.ReadAsync(cancellationToken);
                var received = result.Buffer;
                if (length + received.Length > limit)
                {
                    var total = length + received.Length;
                    reader.AdvanceTo(received.End);
                    throw new BodyTooLargeException(total);
                }

                if (length + received.Length > buffer.Length)
                {
                    var grown = pool.Rent((int)Math.Min(limit, Math.Max(buffer.Length * 2L, length + received.Length)));
                    buffer.AsSpan(0, length).CopyTo(grown);
                    pool.Return(buffer);
                    buffer = grown;
                }

                received.CopyTo(buffer.AsSpan(length));
                length += (int)received.Length;
                reader.AdvanceTo(received.End);
                if (result.IsCompleted || result.IsCanceled)
                {
                    var body = new ReviewBody(buffer, length);
                    buffer = null; // the body returns it
                    return body;
                }
            }
        }
        finally
        {
            if (buffer is not null)
            {
                pool.Return(buffer);
            }
        }
    }
}

/// <summary>A review's body in a pooled array; disposing returns the array, after which <see cref="Memory"/> must not be used.</summary>
internal sealed class ReviewBody(byte[] array, int length) : IDisposable
{
    private byte[]? array = array;

    public ReadOnlyMemory<byte> Memory => (array ?? throw new ObjectDisposedException(nameof(ReviewBody))).AsMemory(0, length);

    public void Dispose()
    {
        if (array is not null)
        {
            PooledBufferWriter.Pool.Return(array);
            array = null;
        }
    }
}

/// <summary>The body went past its endpoint's cap; <see cref="Length"/> is how much had arrived by then.</summary>
internal sealed class BodyTooLargeException(long length) : Exception($"the body is over its limit after {length:N0} bytes")
{
    public long Length { get; } = length;
}
