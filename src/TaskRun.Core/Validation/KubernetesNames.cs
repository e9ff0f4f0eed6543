using System.Text.RegularExpressions;

namespace TaskRun.Core.Validation;

/// <summary>
/// The Kubernetes name and label rules (apimachinery's validation package). The patterns end in <c>\z</c>, not
/// <c>$</c>: in .NET <c>$</c> also matches before a final newline, which would let "auth-service\n" through.
/// </summary>
public static partial class KubernetesNames
{
    public const int MaxLabelLength = 63;
    public const int MaxSubdomainLength = 253;

    public static bool IsDns1123Label(string value) =>
        value.Length is > 0 and <= MaxLabelLength && Dns1123LabelRegex().IsMatch(value);

    public static bool IsDns1123Subdomain(string value) =>
        value.Length is > 0 and <= MaxSubdomainLength && Dns1123SubdomainRegex().IsMatch(value);

    public static bool IsLabelValue(string value) =>
        value.Length == 0 || (value.Length <= MaxLabelLength && LabelValueRegex().IsMatch(value));

    [GeneratedRegex(@"^[a-z0-9]([-a-z0-9]*[a-z0-9])?\z", RegexOptions.CultureInvariant)]
    private static partial Regex Dns1123LabelRegex();

    [GeneratedRegex(@"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\z", RegexOptions.CultureInvariant)]
    private static partial Regex Dns1123SubdomainRegex();

    [GeneratedRegex(@"^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?\z", RegexOptions.CultureInvariant)]
    private static partial Regex LabelValueRegex();
}
