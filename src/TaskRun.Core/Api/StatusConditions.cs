using k8s.Models;

namespace TaskRun.Core.Api;

/// <summary>Sets a condition the way apimachinery's meta.SetStatusCondition does: the transition time moves only when the status does.</summary>
public static class StatusConditions
{
    public static List<V1Condition> Set(List<V1Condition>? conditions, string type, string status, string reason, string message, long? generation, DateTime now)
    {
        var result = conditions?.Select(Clone).ToList() ?? [];
        var existing = result.FirstOrDefault(c => c.Type == type);
        if (existing is null)
        {
            result.Add(new V1Condition { LastTransitionTime = now, Message = message, Type = type, Status = status, Reason = reason, ObservedGeneration = generation });
            return result;
        }

        if (existing.Status != status)
        {
            existing.LastTransitionTime = now;
        }

        existing.Status = status;
        existing.Reason = reason;
        existing.Message = message;
        existing.ObservedGeneration = generation;
        return result;
    }

    public static V1Condition? Find(IEnumerable<V1Condition>? conditions, string type) => conditions?.FirstOrDefault(c => c.Type == type);

    private static V1Condition Clone(V1Condition c) => new()
    {
        LastTransitionTime = c.LastTransitionTime,
        Message = c.Message,
        Reason = c.Reason,
        Status = c.Status,
        Type = c.Type,
        ObservedGeneration = c.ObservedGeneration,
    };
}
