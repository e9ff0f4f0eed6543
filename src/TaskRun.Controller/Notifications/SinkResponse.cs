using System.Net;

namespace TaskRun.Controller.Notifications;

public enum DeliveryOutcome
{
    Delivered,

    /// <summary>Worth another attempt: a connection error, a timeout, 408, 429 or 5xx.</summary>
    Retryable,

    /// <summary>The sink refused the event (another 4xx, or a redirect, which is not followed): retrying will not help.</summary>
    Refused,
}

/// <summary>How one POST to a sink ended, and a short description for logs and Events.</summary>
public sealed record SinkResponse(DeliveryOutcome Outcome, string Description)
{
    public static SinkResponse FromStatus(HttpStatusCode status)
    {
        var code = (int)status;
        var description = $"HTTP {code}";
        return code switch
        {
            >= 200 and < 300 => new(DeliveryOutcome.Delivered, description),
            408 or 429 or >= 500 => new(DeliveryOutcome.Retryable, description),
            _ => new(DeliveryOutcome.Refused, description),
        };
    }
}
