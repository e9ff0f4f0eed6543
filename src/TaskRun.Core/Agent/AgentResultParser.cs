using System.Globalization;
using System.Text;
using System.Text.Json;
using TaskRun.Core.Api;

namespace TaskRun.Core.Agent;

/// <summary>
/// Reads the agent CLI's JSON result (<c>claude -p --output-format json</c>: one object with <c>type: result</c>,
/// <c>is_error</c>, <c>num_turns</c>, <c>result</c>, <c>total_cost_usd</c>, <c>session_id</c>) from the end of the
/// agent container's log. Everything in it is untrusted output: the summary is cut and cleaned, numbers are
/// bounded, and a session id that is not a UUID is dropped (it is passed back to the CLI on the next run).
/// </summary>
public static class AgentResultParser
{
    public const int MaxSummaryBytes = 1024;
    private const double MaxPlausibleCostUsd = 1_000_000;

    /// <summary>The result found on the last non-empty log line, or null when that line is not a CLI result.</summary>
    public static AgentResultStatus? Parse(string? logTail, int run)
    {
        if (string.IsNullOrEmpty(logTail))
        {
            return null;
        }

        var line = logTail.TrimEnd('\r', '\n', ' ').Split('\n')[^1].Trim();
        if (!line.StartsWith('{'))
        {
            return null;
        }

        try
        {
            using var document = JsonDocument.Parse(line);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !IsString(root, "type", "result"))
            {
                return null;
            }

            return new AgentResultStatus
            {
                Summary = Summarize(StringOrNull(root, "result") ?? StringOrNull(root, "subtype")),
                IsError = root.TryGetProperty("is_error", out var isError) && isError.ValueKind is JsonValueKind.True or JsonValueKind.False
                    ? isError.GetBoolean()
                    : null,
                Turns = root.TryGetProperty("num_turns", out var turns) && turns.TryGetInt32(out var turnCount) && turnCount >= 0 ? turnCount : null,
                CostUsd = root.TryGetProperty("total_cost_usd", out var cost) && cost.TryGetDouble(out var usd) && usd is >= 0 and <= MaxPlausibleCostUsd ? usd : null,
                SessionId = StringOrNull(root, "session_id") is { } id && Guid.TryParseExact(id, "D", out var session)
                    ? session.ToString("D", CultureInfo.InvariantCulture)
                    : null,
                Run = run,
            };
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>Control characters other than newline and tab removed, then cut to 1 KiB of UTF-8 on a character boundary.</summary>
    public static string? Summarize(string? text)
    {
        if (text is null)
        {
            return null;
        }

        var clean = new StringBuilder(Math.Min(text.Length, MaxSummaryBytes));
        var bytes = 0;
        foreach (var rune in text.EnumerateRunes())
        {
            if (Rune.IsControl(rune) && rune.Value is not ('\n' or '\t'))
            {
                continue;
            }

            var size = rune.Utf8SequenceLength;
            if (bytes + size > MaxSummaryBytes)
            {
                break;
            }

            bytes += size;
            clean.Append(rune.ToString());
        }

        return clean.ToString();
    }

    private static bool IsString(JsonElement root, string name, string value) =>
        root.TryGetProperty(name, out var element) && element.ValueKind == JsonValueKind.String && element.ValueEquals(value);

    private static string? StringOrNull(JsonElement root, string name) =>
        root.TryGetProperty(name, out var element) && element.ValueKind == JsonValueKind.String ? element.GetString() : null;
}
