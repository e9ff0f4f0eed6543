namespace TaskRun.Controller.Tests.Integration;

/// <summary>Waits for a condition the controller brings about; failing says what was last seen.</summary>
internal static class Eventually
{
    public static async Task<T> HoldsAsync<T>(Func<Task<T>> read, Func<T, bool> condition, string what, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        T last = await read();
        while (!condition(last))
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"timed out waiting for {what}; last seen: {Describe(last)}");
            }

            await Task.Delay(100);
            last = await read();
        }

        return last;
    }

    private static string Describe<T>(T value) => value switch
    {
        null => "null",
        TaskRun.Core.Api.V2TaskRun t => TaskRun.Core.Serialization.KubeJson.Serialize(t.Status),
        _ => TaskRun.Core.Serialization.KubeJson.Serialize(value),
    };
}
