namespace TaskRun.Controller.Tests.Integration;

/// <summary>
/// What the controller harnesses share: their controller (and config watch) running in the background until
/// disposed; disposing stops it, waits for it (bounded) and disposes what the harness owns.
/// </summary>
internal sealed class BackgroundRun : IAsyncDisposable
{
    private readonly CancellationTokenSource stop = new();
    private readonly Task running;
    private readonly IDisposable[] owned;

    public BackgroundRun(Func<CancellationToken, Task> run, params IDisposable[] owned)
    {
        running = Task.Run(() => run(stop.Token));
        this.owned = owned;
    }

    public async ValueTask DisposeAsync()
    {
        await stop.CancelAsync();
        try
        {
            await running.WaitAsync(TimeSpan.FromSeconds(30));
        }
        catch (OperationCanceledException)
        {
        }

        foreach (var disposable in owned)
        {
            disposable.Dispose();
        }

        stop.Dispose();
    }
}
