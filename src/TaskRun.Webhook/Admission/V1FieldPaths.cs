using System.Collections.Concurrent;
using System.Text.RegularExpressions;

namespace TaskRun.Webhook.Admission;

/// <summary>
/// The webhooks judge the v2 object (the API server converts v1 requests first), but a user who sent v1 should
/// read field paths of the manifest they wrote: <c>spec.files[1].name</c> becomes
/// <c>spec.markdownFiles[1].filename</c>, and a v2-only field, which a v1 manifest carries in the
/// <c>orchestrator.io/v2-spec</c> annotation, is named inside that annotation.
/// </summary>
internal static partial class V1FieldPaths
{
    public static bool SentAsV1(AdmissionRequest request) =>
        request.RequestKind is { Group: TaskRunApi.Group, Version: TaskRunApi.V1 };

    public static string Translate(string field)
    {
        ArgumentNullException.ThrowIfNull(field);
        var file = FileField().Match(field);
        if (file.Success)
        {
            var rest = file.Groups["rest"].Value switch
            {
                ".name" => ".filename",
                ".type" => ".fileType",
                var other => other,
            };
            return $"spec.markdownFiles{file.Groups["index"].Value}{rest}";
        }

        if (field == "spec.retry.attempt")
        {
            return "spec.retryAttempt";
        }

        foreach (var v2Only in (string[])["spec.retry.maxRetries", "spec.timeoutSeconds", "spec.agent", "spec.cancel", "spec.retry", "spec.dependsOn"])
        {
            if (field == v2Only || field.StartsWith(v2Only + ".", StringComparison.Ordinal) || field.StartsWith(v2Only + "[", StringComparison.Ordinal))
            {
                return $"metadata.annotations[{TaskRunApi.V2SpecAnnotation}].{field["spec.".Length..]}";
            }
        }

        return field;
    }

    /// <summary>
    /// Warnings repeat from request to request (the same file names, the same defaults), and translating one runs
    /// two regular expressions: the translations of recent messages are kept, up to a bound.
    /// </summary>
    private static readonly ConcurrentDictionary<string, string> RecentMessages = new(StringComparer.Ordinal);

    private const int MaxRecentMessages = 1024;

    /// <summary>Translates the field a message starts with ("spec.files[0].type: inferred ...") and the v2 names in its text.</summary>
    public static string TranslateMessage(string message)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (RecentMessages.TryGetValue(message, out var known))
        {
            return known;
        }

        if (RecentMessages.Count >= MaxRecentMessages)
        {
            RecentMessages.Clear();
        }

        return RecentMessages[message] = TranslateMessageUncached(message);
    }

    private static string TranslateMessageUncached(string message)
    {
        var colon = message.IndexOf(": ", StringComparison.Ordinal);
        return colon > 0 && message.StartsWith("spec.", StringComparison.Ordinal) && !message[..colon].Contains(' ', StringComparison.Ordinal)
            ? Translate(message[..colon]) + TranslateText(message[colon..])
            : TranslateText(message);
    }

    /// <summary>
    /// The v2 names inside an error's text ("already used by spec.files[0]", "retry.attempt may not decrease")
    /// in their v1 form. Quoted parts are the user's own values and are left exactly as they are.
    /// </summary>
    public static string TranslateText(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return V2NameInText().Replace(text, match => match.Groups["quoted"].Success ? match.Value
            : match.Groups["files"].Success ? Translate(match.Value)
            : match.Value.StartsWith("spec.", StringComparison.Ordinal) ? "spec.retryAttempt" : "retryAttempt");
    }

    [GeneratedRegex(@"^spec\.files(?<index>\[\d+\])?(?<rest>(\..*)?)$", RegexOptions.CultureInvariant)]
    private static partial Regex FileField();

    [GeneratedRegex(@"(?<quoted>""(?:[^""\\]|\\.)*"")|(?<files>\bspec\.files(\[\d+\])?(\.(name|type|content)\b)?)(?![\w\[]|\.\w)|(?<![\w.])(spec\.)?retry\.attempt\b", RegexOptions.CultureInvariant)]
    private static partial Regex V2NameInText();
}
