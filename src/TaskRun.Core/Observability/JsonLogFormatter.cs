using System.Globalization;
using Serilog.Events;
using Serilog.Formatting;
using Serilog.Formatting.Json;

namespace TaskRun.Core.Observability;

/// <summary>
/// The one log line format of both processes: a JSON object per line with <c>time</c> (UTC, ISO 8601),
/// <c>level</c> (always written: debug, info, warn, error, fatal), <c>msg</c> (rendered), <c>trace_id</c> and
/// <c>span_id</c> when a span is active, <c>logger</c>, then every property with its name's first letter in
/// lower case (so <c>namespace</c>, <c>taskrun</c>, <c>uid</c> read the same from either process), and
/// <c>exception</c> last.
/// </summary>
public sealed class JsonLogFormatter : ITextFormatter
{
    private static readonly JsonValueFormatter Values = new("$type");

    public void Format(LogEvent logEvent, TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(logEvent);
        ArgumentNullException.ThrowIfNull(output);
        output.Write("{\"time\":\"");
        output.Write(logEvent.Timestamp.UtcDateTime.ToString("O", CultureInfo.InvariantCulture));
        output.Write("\",\"level\":\"");
        output.Write(Level(logEvent.Level));
        output.Write("\",\"msg\":");
        JsonValueFormatter.WriteQuotedJsonString(logEvent.RenderMessage(CultureInfo.InvariantCulture), output);
        if (logEvent.TraceId is { } traceId)
        {
            output.Write(",\"trace_id\":\"");
            output.Write(traceId.ToHexString());
            output.Write('"');
        }

        if (logEvent.SpanId is { } spanId)
        {
            output.Write(",\"span_id\":\"");
            output.Write(spanId.ToHexString());
            output.Write('"');
        }

        var written = new HashSet<string>(StringComparer.Ordinal) { "time", "level", "msg", "trace_id", "span_id", "exception" };
        foreach (var (name, value) in logEvent.Properties)
        {
            var key = name == "SourceContext" ? "logger" : char.ToLowerInvariant(name[0]) + name[1..];
            if (!written.Add(key))
            {
                continue;
            }

            output.Write(',');
            JsonValueFormatter.WriteQuotedJsonString(key, output);
            output.Write(':');
            Values.Format(value, output);
        }

        if (logEvent.Exception is { } exception)
        {
            output.Write(",\"exception\":");
            JsonValueFormatter.WriteQuotedJsonString(exception.ToString(), output);
        }

        output.Write('}');
        output.Write('\n');
    }

    private static string Level(LogEventLevel level) => level switch
    {
        LogEventLevel.Verbose => "trace",
        LogEventLevel.Debug => "debug",
        LogEventLevel.Information => "info",
        LogEventLevel.Warning => "warn",
        LogEventLevel.Error => "error",
        _ => "fatal",
    };
}
