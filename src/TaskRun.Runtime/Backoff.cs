namespace TaskRun.Runtime;

/// <summary>Exponential backoff with jitter: min(max, base·2^k), then a random share of it (equal jitter).</summary>
public static class Backoff
{
    public static TimeSpan Delay(TimeSpan baseDelay, TimeSpan maxDelay, int exponent, Random random)
    {
        ArgumentNullException.ThrowIfNull(random);
        var capped = Exponential(baseDelay, maxDelay, exponent);
        // Half fixed, half random: never below half the step, so retries still spread out and still grow.
        var half = capped.TotalMilliseconds / 2;
        return TimeSpan.FromMilliseconds(half + (random.NextDouble() * half));
    }

    /// <summary>min(max, base·2^exponent) without overflow.</summary>
    public static TimeSpan Exponential(TimeSpan baseDelay, TimeSpan maxDelay, int exponent)
    {
        var factor = Math.Pow(2, Math.Clamp(exponent, 0, 62));
        var millis = Math.Min(maxDelay.TotalMilliseconds, baseDelay.TotalMilliseconds * factor);
        return TimeSpan.FromMilliseconds(millis);
    }
}
