using System.Globalization;
using k8s.Models;

namespace TaskRun.Core.Validation;

/// <summary>Checks Kubernetes resource quantities ("500m", "2", "4Gi") and keeps them within sane bounds.</summary>
public static class ResourceQuantities
{
    /// <summary>No container gets more than this many cores.</summary>
    public const decimal MaxCpu = 1024;

    /// <summary>No other quantity (memory, storage, an extended resource) exceeds 1 PiB or 2^50 units.</summary>
    public const decimal MaxOther = 1L << 50;

    public static bool IsValid(ResourceQuantity? quantity) => quantity?.ToString() is { } text && IsValid(text);

    public static bool IsValid(string text) => TryRead(text, out _);

    /// <summary>The value in base units, when the text is a quantity.</summary>
    public static bool TryRead(string? text, out decimal value)
    {
        value = 0;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        try
        {
            value = new ResourceQuantity(text).ToDecimal();
            return true;
        }
        catch (Exception e) when (e is FormatException or ArgumentException or OverflowException)
        {
            return false;
        }
    }

    /// <summary>What is wrong with a quantity of resource <paramref name="name"/>, or null when it is usable.</summary>
    public static string? Problem(string name, string? text)
    {
        if (!TryRead(text, out var value))
        {
            return $"\"{text}\" is not a resource quantity; write it like \"500m\", \"2\" or \"4Gi\"";
        }

        var max = name == "cpu" ? MaxCpu : MaxOther;
        if (value < 0 || value > max)
        {
            return string.Create(CultureInfo.InvariantCulture,
                $"\"{text}\" is out of range: {name} must be between 0 and {(name == "cpu" ? "1024 cores" : "1Pi (2^50)")}");
        }

        return null;
    }
}
