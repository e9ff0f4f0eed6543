using k8s.Autorest;
using TaskRun.Core.Serialization;

namespace TaskRun.E2E.Tests;

/// <summary>Waits, bounded, for what the cluster brings about; failing says what was last seen.</summary>
internal static class Wait
{
    public static async Task<T> UntilAsync<T>(Func<Task<T>> read, Func<T, bool> condition, string what, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            string seen;
            try
            {
                var value = await read();
                if (condition(value))
                {
                    return value;
                }

                seen = value is null ? "null" : KubeJson.Serialize(value);
            }
            catch (Exception e) when (e is HttpRequestException or HttpOperationException or TaskCanceledException)
            {
                seen = $"{e.GetType().Name}: {e.Message}";
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"timed out after {timeout.TotalSeconds:0} s waiting for {what}; last seen: {seen}");
            }

            await Task.Delay(250);
        }
    }
}
