using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace TaskRun.Core.Naming;

/// <summary>
/// Names of a run's children: <c>X-run-n</c> (Job) and <c>X-run-n-files</c> (ConfigMap). Deterministic, so
/// a restarted controller finds the run it already created instead of making a second one, and at most
/// 63 characters: a longer TaskRun name is cut and followed by a short hash of the full name, which keeps
/// names distinct for distinct TaskRuns.
/// </summary>
public static class RunNames
{
    public const int MaxLength = 63;
    private const int HashLength = 8;

    public static string Job(string taskRunName, int run) => Build(taskRunName, $"-run-{run.ToString(CultureInfo.InvariantCulture)}");

    public static string ConfigMap(string taskRunName, int run) => Build(taskRunName, $"-run-{run.ToString(CultureInfo.InvariantCulture)}-files");

    private static string Build(string taskRunName, string suffix)
    {
        ArgumentException.ThrowIfNullOrEmpty(taskRunName);
        if (taskRunName.Length + suffix.Length <= MaxLength)
        {
            return taskRunName + suffix;
        }

        var hash = ShortHash(taskRunName);
        var keep = MaxLength - suffix.Length - HashLength - 1;
        // A cut may end on '-' or '.', which a DNS name may not have before the next '-'.
        var prefix = taskRunName[..keep].TrimEnd('-', '.');
        return $"{prefix}-{hash}{suffix}";
    }

    private static string ShortHash(string value)
    {
        Span<byte> digest = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(Encoding.UTF8.GetBytes(value), digest);
        return Convert.ToHexStringLower(digest)[..HashLength];
    }
}
