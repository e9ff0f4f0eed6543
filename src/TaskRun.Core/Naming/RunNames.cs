using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace TaskRun.Core.Naming;

/// <summary>
/// Names of a run's children: <c>X-run-n</c> (Job) and <c>X-run-n-files</c> (ConfigMap). Deterministic, so
/// a restarted controller finds the run it already created instead of making a second one, at most 63
/// characters, and unforgeable: no TaskRun name can reproduce another TaskRun's child names.
/// </summary>
/// <remarks>
/// Two forms. <b>Verbatim</b> (<c>X</c> + suffix) when it fits and <c>X</c> does not end in the hashed shape
/// (<c>-</c> and 16 characters of <c>[a-z2-7]</c>). <b>Hashed</b> (a cut of <c>X</c>, <c>-</c>, 16 base32 characters
/// of SHA-256 of the full name = 80 bits, then the suffix) otherwise. Why no two names meet:
/// the suffix is read back uniquely from the end (the run number is all that follows the last <c>-</c>); what
/// precedes it ends in the hashed shape in the hashed form and never in the verbatim form, so the forms cannot
/// meet; verbatim is injective; two hashed names meet only on equal 80-bit hashes, a second preimage out of
/// reach. (Before, a short name written as another TaskRun's <c>cut-hash</c> was used verbatim and took over its
/// children.) The controller still checks ownership before it writes, as the second line of defence.
/// </remarks>
public static class RunNames
{
    public const int MaxLength = 63;
    public const int HashLength = 16;
    private const string Base32 = "abcdefghijklmnopqrstuvwxyz234567";

    public static string Job(string taskRunName, int run) => Build(taskRunName, $"-run-{run.ToString(CultureInfo.InvariantCulture)}");

    public static string ConfigMap(string taskRunName, int run) => Build(taskRunName, $"-run-{run.ToString(CultureInfo.InvariantCulture)}-files");

    /// <summary>Whether a name ends like a hashed name does (<c>-</c> and 16 base32 characters), so it must be hashed itself.</summary>
    public static bool HasHashedShape(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (name.Length < HashLength + 1 || name[^(HashLength + 1)] != '-')
        {
            return false;
        }

        foreach (var c in name.AsSpan(name.Length - HashLength))
        {
            if (!Base32.Contains(c, StringComparison.Ordinal))
            {
                return false;
            }
        }

        return true;
    }

    private static string Build(string taskRunName, string suffix)
    {
        ArgumentException.ThrowIfNullOrEmpty(taskRunName);
        if (taskRunName.Length + suffix.Length <= MaxLength && !HasHashedShape(taskRunName))
        {
            return taskRunName + suffix;
        }

        var hash = Hash(taskRunName);
        var keep = Math.Min(taskRunName.Length, MaxLength - suffix.Length - HashLength - 1);
        // A cut may end on '-' or '.', which a DNS name may not have before the next '-'.
        var prefix = taskRunName[..keep].TrimEnd('-', '.');
        return $"{prefix}-{hash}{suffix}";
    }

    /// <summary>The first 80 bits of SHA-256, as 16 lower-case base32 characters (valid in DNS labels).</summary>
    private static string Hash(string value)
    {
        Span<byte> digest = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(Encoding.UTF8.GetBytes(value), digest);
        var text = new StringBuilder(HashLength);
        var bits = 0;
        var buffer = 0;
        foreach (var b in digest)
        {
            buffer = (buffer << 8) | b;
            bits += 8;
            while (bits >= 5 && text.Length < HashLength)
            {
                text.Append(Base32[(buffer >> (bits - 5)) & 31]);
                bits -= 5;
            }

            if (text.Length == HashLength)
            {
                break;
            }
        }

        return text.ToString();
    }
}
