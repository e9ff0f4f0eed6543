using System.Buffers;

namespace TaskRun.Webhook.Hosting;

/// <summary>
/// An <see cref="IBufferWriter{T}"/> over arrays rented from <see cref="Pool"/>, for an answer that is built whole
/// before it is sent (it may still be discarded): one buffer per request, reused across requests. Dispose returns it.
/// </summary>
internal sealed class PooledBufferWriter(int initialCapacity) : IBufferWriter<byte>, IDisposable
{
    /// <summary>
    /// The webhook's own pool: arrays up to 2 MiB (a review with a 1 MiB file), four per size, as only a few reviews
    /// are processed at once (one per core). What it keeps is bounded (about 16 MiB at most), unlike the shared
    /// pool, which may keep dozens of multi-MiB arrays after a burst of large reviews, outside the request body
    /// budget; a larger array is allocated and left to the GC, like the request body itself.
    /// </summary>
    public static ArrayPool<byte> Pool { get; } = ArrayPool<byte>.Create(maxArrayLength: 2 * 1024 * 1024, maxArraysPerBucket: 4);

    private byte[] buffer = Pool.Rent(Math.Max(initialCapacity, 256));
    private int written;

    public ReadOnlySpan<byte> WrittenSpan => buffer.AsSpan(0, written);

    public void Advance(int count) => written += count;

    /// <summary>Discards what was written; the buffer is kept.</summary>
    public void Clear() => written = 0;

    public Memory<byte> GetMemory(int sizeHint = 0)
    {
        Ensure(sizeHint);
        return buffer.AsMemory(written);
    }

    public Span<byte> GetSpan(int sizeHint = 0)
    {
        Ensure(sizeHint);
        return buffer.AsSpan(written);
    }

    private void Ensure(int sizeHint)
    {
        var needed = written + Math.Max(sizeHint, 1);
        if (needed <= buffer.Length)
        {
            return;
        }

        var grown = Pool.Rent((int)Math.Min(Array.MaxLength, Math.Max(needed, 2L * buffer.Length)));
        buffer.AsSpan(0, written).CopyTo(grown);
        Pool.Return(buffer);
        buffer = grown;
    }

    public void Dispose()
    {
        Pool.Return(buffer);
        buffer = [];
        written = 0;
    }
}
