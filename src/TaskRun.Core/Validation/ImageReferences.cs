using System.Text.RegularExpressions;

namespace TaskRun.Core.Validation;

/// <summary>
/// Container image references as the OCI distribution grammar writes them (<c>[registry[:port]/]path[:tag][@digest]</c>),
/// and the allow-list patterns of <c>agent.allowedImages</c>. A reference is data handed to the kubelet: no spaces,
/// shell metacharacters or control characters can pass.
/// </summary>
public static partial class ImageReferences
{
    public const int MaxLength = 512;

    /// <summary>The grammar, for the config's JSON Schema and for this class.</summary>
    public const string Pattern =
        @"^(?:(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])(?:\.(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]))*(?::[0-9]+)?/)?" +
        @"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*" +
        @"(?::[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(?:@[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,})?$";

    public static bool IsValid(string? reference) =>
        reference is { Length: > 0 and <= MaxLength } && WholeMatch.Of(ReferenceRegex(), reference);

    /// <summary>
    /// An allow-list entry: an exact reference, or a prefix ending in <c>/*</c>, <c>:*</c> or <c>@*</c> (any path
    /// below, any tag, any digest). The separator before <c>*</c> is required, so <c>ghcr.io/org/*</c> cannot
    /// match <c>ghcr.io/org-evil/x</c>.
    /// </summary>
    public static bool IsValidPattern(string? pattern)
    {
        if (pattern is null || pattern.Length is 0 or > MaxLength)
        {
            return false;
        }

        if (!pattern.EndsWith('*'))
        {
            return IsValid(pattern);
        }

        var stem = pattern[..^1];
        return stem.Length > 1 && stem[^1] is '/' or ':' or '@' && !stem.Contains('*', StringComparison.Ordinal) && IsValid(stem[..^1]);
    }

    /// <summary>Whether <paramref name="reference"/> matches one of <paramref name="patterns"/> (none: no image matches).</summary>
    public static bool IsAllowed(string reference, IEnumerable<string> patterns)
    {
        ArgumentNullException.ThrowIfNull(reference);
        ArgumentNullException.ThrowIfNull(patterns);
        return IsValid(reference) && patterns.Any(p => p.EndsWith('*')
            ? reference.StartsWith(p[..^1], StringComparison.Ordinal) && reference.Length > p.Length - 1
            : reference == p);
    }

    [GeneratedRegex(Pattern, RegexOptions.CultureInvariant)]
    private static partial Regex ReferenceRegex();
}
