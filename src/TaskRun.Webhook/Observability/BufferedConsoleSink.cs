using System.Text;
using Serilog.Core;
using Serilog.Events;
using Serilog.Formatting;

namespace TaskRun.Webhook.Observability;

/// <summary>
/// JSON log lines to stdout through one buffer: formatting and copying on the caller's thread (a few µs),
/// a write to the stream when the buffer fills, a flush every <see cref="FlushInterval"/> and at once for
/// warnings and errors, so a crash loses at most that interval of informational lines. The webhook logs every
/// admission decision; at thousands of reviews a second, Serilog's console sink (a flushed write per line) or
/// its async wrapper (a pump thread woken per event) cost about a quarter of the CPU (bench/TaskRun.WebhookLoad).
/// </summary>
internal sealed class BufferedConsoleSink : ILogEventSink, IDisposable
{
    public static readonly TimeSpan FlushInterval = TimeSpan.FromMilliseconds(200);

    private readonly ITextFormatter formatter;
    private readonly TextWriter output;
    private readonly Lock writeLock = new();
    private readonly Timer flushTimer;
    private bool dirty;
    private bool disposed;

    public BufferedConsoleSink(ITextFormatter formatter, Stream? output = null)
    {
        this.formatter = formatter;
        this.output = new StreamWriter(output ?? Console.OpenStandardOutput(), new UTF8Encoding(false), 64 * 1024) { AutoFlush = false };
        flushTimer = new Timer(_ => Flush(), null, FlushInterval, FlushInterval);
    }

    public void Emit(LogEvent logEvent)
    {
        ArgumentNullException.ThrowIfNull(logEvent);
        lock (writeLock)
        {
            if (disposed)
            {
                return;
            }

            formatter.Format(logEvent, output);
            dirty = true;
            if (logEvent.Level >= LogEventLevel.Warning)
            {
                FlushLocked();
            }
        }
    }

    public void Flush()
    {
        lock (writeLock)
        {
            if (!disposed)
            {
                FlushLocked();
            }
        }
    }

    public void Dispose()
    {
        flushTimer.Dispose();
        lock (writeLock)
        {
            if (disposed)
            {
                return;
            }

            FlushLocked();
            disposed = true;
            output.Dispose();
        }
    }

    private void FlushLocked()
    {
        if (!dirty)
        {
            return;
        }

        try
        {
            output.Flush();
        }
        catch (IOException)
        {
            // stdout closed (the reader went away): nothing useful left to do with the lines.
        }

        dirty = false;
    }
}
