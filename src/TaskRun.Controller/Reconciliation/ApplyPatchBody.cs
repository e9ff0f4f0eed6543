using System.Globalization;
using System.Text.RegularExpressions;
using TaskRun.Core.Serialization;

namespace TaskRun.Controller.Reconciliation;

/// <summary>
/// A server-side apply patch. The API server decodes apply patches as YAML, and YAML refuses the surrogate-pair
/// escapes JSON uses for characters outside the Basic Multilingual Plane (an emoji in a file: "found invalid
/// Unicode character escape code", 400). Such characters are written as UTF-8 instead; everything else is the
/// client's usual JSON.
/// </summary>
public static partial class ApplyPatchBody
{
    public static V1Patch Of<T>(T value) => new(Json(value), V1Patch.PatchType.ApplyPatch);

    public static string Json<T>(T value) =>
        SurrogatePairEscape().Replace(KubeJson.Serialize(value), match => char.ConvertFromUtf32(char.ConvertToUtf32(
            (char)int.Parse(match.Groups["high"].Value, NumberStyles.HexNumber, CultureInfo.InvariantCulture),
            (char)int.Parse(match.Groups["low"].Value, NumberStyles.HexNumber, CultureInfo.InvariantCulture))));

    // \uD83D\uDE80, but not an escaped backslash followed by "uD83D" (an even run of backslashes before it).
    [GeneratedRegex(@"(?<=(?:^|[^\\])(?:\\\\)*)\\u(?<high>[dD][89abAB][0-9a-fA-F]{2})\\u(?<low>[dD][c-fC-F][0-9a-fA-F]{2})")]
    private static partial Regex SurrogatePairEscape();
}
