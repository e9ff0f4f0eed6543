namespace TaskRun.Runtime.Tests.Fakes;

internal static class Eventually
{
    /// <summary>Waits for a condition the code under test makes true on another thread; fails after 10 s.</summary>
    public static async Task TrueAsync(Func<bool> condition, string what)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (!condition())
        {
            if (timeout.IsCancellationRequested)
            {
                throw new Xunit.Sdk.XunitException($"timed out waiting for {what}");
            }

            await Task.Delay(2, CancellationToken.None);
        }
    }
}
