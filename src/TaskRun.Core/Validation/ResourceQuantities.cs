using k8s.Models;

namespace TaskRun.Core.Validation;

/// <summary>Checks Kubernetes resource quantities ("500m", "2", "4Gi").</summary>
public static class ResourceQuantities
{
    public static bool IsValid(ResourceQuantity? quantity) => quantity?.ToString() is { } text && IsValid(text);

    public static bool IsValid(string text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        try
        {
            _ = new ResourceQuantity(text).ToDecimal();
            return true;
        }
        catch (Exception e) when (e is FormatException or ArgumentException or OverflowException)
        {
            return false;
        }
    }
}
