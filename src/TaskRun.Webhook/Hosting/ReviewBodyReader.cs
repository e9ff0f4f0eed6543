using System.Buffers;
using System.IO.Pipelines;

namespace TaskRun.Webhook.Hosting;

/// <summary>
/// Reads a review body into one array of its own, consuming Kestrel's buffers as it goes, so the body is held
/// once (not in Kestrel's pool and again in a parser's copy) and no pooled memory outlives the request: the
/// array is garbage once the review is answered. A declared length sizes the array exactly; an undeclared one
/// grows it by doubling, never past <c>limit</c>.
/// </summary>
internal static class ReviewBodyReader
{
    private const int FirstChunkedCapacity = 64 * 1024;

    /// <exception cref="BodyTooLargeException">The body is longer than <paramref name="limit"/>.</exception>
    public static async Task<ReadOnlyMemory<byte>> ReadAsync(PipeReader reader, long? declaredLength, long limit, CancellationToken cancellationToken)
    {
        var buffer = declaredLength is { } declared
            ? GC.AllocateUninitializedArray<byte>((int)declared)
            : GC.AllocateUninitializedArray<byte>((int)Math.Min(FirstChunkedCapacity, limit));
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
                var grown = GC.AllocateUninitializedArray<byte>((int)Math.Min(limit, Math.Max(buffer.Length * 2L, length + received.Length)));
                buffer.AsSpan(0, length).CopyTo(grown);
                buffer = grown;
            }

            received.CopyTo(buffer.AsSpan(length));
            length += (int)received.Length;
            reader.AdvanceTo(received.End);
            if (result.IsCompleted || result.IsCanceled)
            {
                return buffer.AsMemory(0, length);
            }
        }
    }
}

/// <summary>The body went past its endpoint's cap; <see cref="Length"/> is how much had arrived by then.</summary>
internal sealed class BodyTooLargeException(long length) : Exception($"the body is over its limit after {length:N0} bytes")
{
    public long Length { get; } = length;
}
