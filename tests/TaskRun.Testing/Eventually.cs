using k8s;
using k8s.Autorest;
using TaskRun.Core.Api;
using TaskRun.Core.Serialization;

namespace TaskRun.Testing;

/// <summary>
/// The tests' one bounded wait for what a cluster, a process or a background loop brings about. Transient HTTP
/// and API errors (a process still starting, a restarting API server) count as "not yet"; on timeout it throws,
/// saying what it waited for and what it last saw.
/// </summary>
public static class Eventually
{
    private static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan DefaultInterval = TimeSpan.FromMilliseconds(100);

    /// <summary>Reads until <paramref name="condition"/> holds for the value read, and returns that value.</summary>
    /// <param name="context">More to say on timeout (e.g. a process's log).</param>
    public static async Task<T> HoldsAsync<T>(
        Func<Task<T>> read, Func<T, bool> condition, string what,
        TimeSpan? timeout = null, TimeSpan? interval = null, Func<string>? context = null)
    {
        var limit = timeout ?? DefaultTimeout;
        var deadline = DateTime.UtcNow + limit;
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
            catch (Exception e) when (e is HttpRequestException or HttpOperationException or TaskCanceledException)
            {
                seen = $"{e.GetType().Name}: {e.Message}";
            }

            if (DateTime.UtcNow > deadline)
            {
                var more = context is null ? "" : $"\n{context()}";
                throw new TimeoutException($"timed out after {limit.TotalSeconds:0.#} s waiting for {what}; last seen: {seen}{more}");
            }

            await Task.Delay(interval ?? DefaultInterval);
        }
    }

    public static Task HoldsAsync(
        Func<Task<bool>> condition, string what, TimeSpan? timeout = null, TimeSpan? interval = null, Func<string>? context = null) =>
        HoldsAsync(condition, held => held, what, timeout, interval, context);

    public static Task HoldsAsync(
        Func<bool> condition, string what, TimeSpan? timeout = null, TimeSpan? interval = null, Func<string>? context = null) =>
        HoldsAsync(() => Task.FromResult(condition()), held => held, what, timeout, interval, context);

    private static string Describe<T>(T value) => value switch
    {
        null => "null",
        V2TaskRun taskRun => KubeJson.Serialize(taskRun.Status),
        IKubernetesObject or System.Collections.IEnumerable and not string => KubeJson.Serialize(value),
        _ => value.ToString() ?? "",
    };
}
