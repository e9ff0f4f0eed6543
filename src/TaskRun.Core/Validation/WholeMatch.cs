using System.Text.RegularExpressions;

namespace TaskRun.Core.Validation;

/// <summary>
/// Whether a pattern shared with the CRD (where <c>$</c> means the end of the text) matches all of a value. In
/// .NET <c>$</c> also matches before a final newline, so "task.md\n" would pass <see cref="Regex.IsMatch(string)"/>.
/// The first match is read without allocating one (the webhook checks every TaskRun's names this way).
/// </summary>
internal static class WholeMatch
{
    public static bool Of(Regex regex, string value)
    {
        foreach (var match in regex.EnumerateMatches(value))
        {
            return match.Index == 0 && match.Length == value.Length;
        }

        return false;
    }
}
