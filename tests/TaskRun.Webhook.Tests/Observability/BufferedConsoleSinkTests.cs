using System.Text;
using Serilog.Events;
using Serilog.Formatting.Compact;
using Serilog.Parsing;
using TaskRun.Webhook.Observability;
using Xunit;

namespace TaskRun.Webhook.Tests.Observability;

public sealed class BufferedConsoleSinkTests
{
    private static LogEvent Event(LogEventLevel level, string text) => new(
        DateTimeOffset.UtcNow, level, null, new MessageTemplateParser().Parse("{Text}"),
        [new LogEventProperty("Text", new ScalarValue(text))]);

    [Fact]
    public void Information_is_buffered_and_written_by_the_periodic_flush()
    {
        using var output = new MemoryStream();
        using var sink = new BufferedConsoleSink(new CompactJsonFormatter(), output);

        sink.Emit(Event(LogEventLevel.Information, "decision"));
        Assert.Equal(0, output.Length);

        sink.Flush();
        var line = Encoding.UTF8.GetString(output.ToArray());
        Assert.EndsWith("\n", line, StringComparison.Ordinal);
        Assert.Contains("\"Text\":\"decision\"", line, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(LogEventLevel.Warning)]
    [InlineData(LogEventLevel.Error)]
    public void Warnings_and_errors_are_written_at_once_with_what_came_before(LogEventLevel level)
    {
        using var output = new MemoryStream();
        using var sink = new BufferedConsoleSink(new CompactJsonFormatter(), output);

        sink.Emit(Event(LogEventLevel.Information, "before"));
        sink.Emit(Event(level, "problem"));

        var text = Encoding.UTF8.GetString(output.ToArray());
        Assert.Equal(2, text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
        Assert.True(text.IndexOf("before", StringComparison.Ordinal) < text.IndexOf("problem", StringComparison.Ordinal));
    }

    [Fact]
    public void Dispose_flushes_and_later_events_are_dropped()
    {
        var output = new MemoryStream();
        var sink = new BufferedConsoleSink(new CompactJsonFormatter(), output);
        sink.Emit(Event(LogEventLevel.Information, "last words"));

        sink.Dispose();
        sink.Emit(Event(LogEventLevel.Information, "after"));

        // The stream is closed by Dispose; what reached it before is in its buffer.
        Assert.Contains("last words", Encoding.UTF8.GetString(output.ToArray()), StringComparison.Ordinal);
        Assert.DoesNotContain("after", Encoding.UTF8.GetString(output.ToArray()), StringComparison.Ordinal);
    }
}
