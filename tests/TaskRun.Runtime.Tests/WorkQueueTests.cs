using Microsoft.Extensions.Time.Testing;
using TaskRun.Runtime;
using Xunit;

namespace TaskRun.Runtime.Tests;

public sealed class WorkQueueTests : IDisposable
{
    private readonly FakeTimeProvider time = new();
    private readonly WorkQueue<string> queue;

    public WorkQueueTests() =>
        queue = new WorkQueue<string>(new WorkQueueOptions(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(60)), time, new Random(7));

    [Fact]
    public async Task A_key_added_twice_while_waiting_is_handed_out_once()
    {
        queue.Add("a");
        queue.Add("a");
        queue.Add("b");

        Assert.Equal(2, queue.Depth);
        Assert.Equal("a", await queue.TakeAsync(CancellationToken.None));
        Assert.Equal("b", await queue.TakeAsync(CancellationToken.None));
    }

    [Fact]
    public async Task A_key_added_while_processing_is_not_handed_to_a_second_worker_but_runs_again_after_Done()
    {
        queue.Add("a");
        var first = await queue.TakeAsync(CancellationToken.None);

        queue.Add("a");
        Assert.Equal(0, queue.Depth);
        var second = queue.TakeAsync(CancellationToken.None);
        Assert.False(second.IsCompleted, "the key was handed out again while still being processed");

        queue.Done(first);
        Assert.Equal("a", await second.WaitAsync(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task A_delayed_add_arrives_only_after_its_delay_and_an_earlier_delay_wins()
    {
        queue.AddAfter("a", TimeSpan.FromSeconds(10));
        queue.AddAfter("a", TimeSpan.FromSeconds(3));

        time.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal(0, queue.Depth);
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(1, queue.Depth);
        Assert.Equal("a", await queue.TakeAsync(CancellationToken.None));
        queue.Done("a");

        time.Advance(TimeSpan.FromSeconds(10));
        Assert.Equal(0, queue.Depth);
    }

    [Fact]
    public void Backoff_grows_exponentially_per_key_is_capped_and_resets_on_Forget()
    {
        var delays = Enumerable.Range(0, 9).Select(_ => queue.AddRateLimited("a")).ToList();

        for (var i = 0; i < delays.Count; i++)
        {
            var step = Math.Min(60, Math.Pow(2, i));
            Assert.InRange(delays[i].TotalSeconds, step / 2, step);
        }

        Assert.Equal(9, queue.Failures("a"));
        Assert.Equal(0, queue.Failures("b"));
        queue.Forget("a");
        Assert.InRange(queue.AddRateLimited("a").TotalSeconds, 0.5, 1);
    }

    [Fact]
    public void Jitter_spreads_delays_of_the_same_step()
    {
        var random = new Random(1);
        var delays = Enumerable.Range(0, 50).Select(_ => Backoff.Delay(TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(300), 3, random)).Distinct().Count();

        Assert.True(delays > 40, $"only {delays} distinct delays out of 50");
    }

    [Fact]
    public async Task ShutDown_releases_waiting_workers()
    {
        var waiting = queue.TakeAsync(CancellationToken.None);

        queue.ShutDown();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting);
    }

    public void Dispose() => queue.Dispose();
}
