namespace TaskRun.Controller.Tests.Integration;

/// <summary>Waits for a condition the controller brings about; failing says what was last seen.</summary>
internal static class Eventually
{
    public static async Task<T> HoldsAsync<T>(Func<Task<T>> read, Func<T, bool> condition, string what, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
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

                seen = Describe(value);
            }
            catch (Exception e) when (e is HttpRequestException or k8s.Autorest.HttpOperationException or TaskCanceledException)
            {
                // Not there yet (a process still starting, a restarting API server): keep looking.
                seen = $"{e.GetType().Name}: {e.Message}";
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"timed out waiting for {what}; last seen: {seen}");
            }

            await Task.Delay(100);
        }
    }

    private static string Describe<T>(T value) => value switch
    {
        null => "null",
        TaskRun.Core.Api.V2TaskRun t => TaskRun.Core.Serialization.KubeJson.Serialize(t.Status),
        _ => TaskRun.Core.Serialization.KubeJson.Serialize(value),
    };
}
