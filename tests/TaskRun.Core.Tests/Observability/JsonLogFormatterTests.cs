using System.Diagnostics;
using System.Text.Json.Nodes;
using Serilog.Events;
using Serilog.Parsing;
using TaskRun.Core.Observability;
using Xunit;

namespace TaskRun.Core.Tests.Observability;

public sealed class JsonLogFormatterTests
{
    [Fact]
    public void A_line_has_time_level_rendered_message_trace_and_span_ids_and_lower_case_property_names()
    {
        using var activity = new Activity("test").SetIdFormat(ActivityIdFormat.W3C).Start();
        var template = new MessageTemplateParser().Parse("created run {Attempt} in {Namespace}");
        var logEvent = new LogEvent(DateTimeOffset.Parse("2026-01-02T03:04:05Z", System.Globalization.CultureInfo.InvariantCulture), LogEventLevel.Information, null, template,
            [new("Attempt", new ScalarValue(2)), new("Namespace", new ScalarValue("team-a")), new("taskrun", new ScalarValue("auth\"x")), new("SourceContext", new ScalarValue("Reconciler"))],
            activity.TraceId, activity.SpanId);
        using var output = new StringWriter();

        new JsonLogFormatter().Format(logEvent, output);

        var line = output.ToString();
        Assert.EndsWith("\n", line, StringComparison.Ordinal);
        var json = JsonNode.Parse(line)!;
        Assert.Equal("2026-01-02T03:04:05.0000000Z", (string?)json["time"]);
        Assert.Equal("info", (string?)json["level"]);
        Assert.Equal("created run 2 in \"team-a\"", (string?)json["msg"]);
        Assert.Equal(activity.TraceId.ToHexString(), (string?)json["trace_id"]);
        Assert.Equal(activity.SpanId.ToHexString(), (string?)json["span_id"]);
        Assert.Equal("team-a", (string?)json["namespace"]);
        Assert.Equal("auth\"x", (string?)json["taskrun"]);
        Assert.Equal("Reconciler", (string?)json["logger"]);
        Assert.Equal(2, (int?)json["attempt"]);
        Assert.Null(json["Namespace"]);
    }

    [Theory]
    [InlineData(LogEventLevel.Debug, "debug")]
    [InlineData(LogEventLevel.Warning, "warn")]
    [InlineData(LogEventLevel.Error, "error")]
    public void Every_level_is_written(LogEventLevel level, string expected)
    {
        var logEvent = new LogEvent(DateTimeOffset.UtcNow, level, new InvalidOperationException("boom"), new MessageTemplateParser().Parse("x"), []);
        using var output = new StringWriter();

        new JsonLogFormatter().Format(logEvent, output);

        var json = JsonNode.Parse(output.ToString())!;
        Assert.Equal(expected, (string?)json["level"]);
        Assert.Contains("boom", (string?)json["exception"], StringComparison.Ordinal);
        Assert.Null(json["trace_id"]);
    }
}
