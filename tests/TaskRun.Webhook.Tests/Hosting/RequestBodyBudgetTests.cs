using TaskRun.Webhook.Hosting;
using Xunit;

namespace TaskRun.Webhook.Tests.Hosting;

/// <summary>The budget of request body bytes in flight: granted while it lasts, in order, given back when done.</summary>
public sealed class RequestBodyBudgetTests
{
    [Fact]
    public async Task Reservations_are_granted_while_the_budget_lasts_and_a_late_one_gets_null_after_the_wait()
    {
        var budget = new RequestBodyBudget(10);
        using var first = await budget.ReserveAsync(6, TimeSpan.Zero, CancellationToken.None);
        using var second = await budget.ReserveAsync(4, TimeSpan.Zero, CancellationToken.None);

        var third = await budget.ReserveAsync(1, TimeSpan.FromMilliseconds(50), CancellationToken.None);

        Assert.NotNull(first);
        Assert.NotNull(second);
        Assert.Null(third);
        Assert.Equal(0, budget.AvailableBytes);
    }

    [Fact]
    public async Task Released_bytes_go_to_the_waiters_in_order_and_a_large_waiter_is_not_overtaken_by_small_ones()
    {
        var budget = new RequestBodyBudget(10);
        var holder = await budget.ReserveAsync(8, TimeSpan.Zero, CancellationToken.None);
        var large = budget.ReserveAsync(9, TimeSpan.FromSeconds(30), CancellationToken.None);
        var small = budget.ReserveAsync(1, TimeSpan.FromSeconds(30), CancellationToken.None);
        await Task.Delay(20);

        Assert.False(small.IsCompleted, "a small reservation overtook a large one that was waiting first");
        holder!.Dispose();
        using var largeGranted = await large;
        Assert.NotNull(largeGranted);
        using var smallGranted = await small;
        Assert.NotNull(smallGranted);
        Assert.Equal(0, budget.AvailableBytes);
    }

    [Fact]
    public async Task A_waiter_that_times_out_leaves_the_queue_and_the_budget_whole()
    {
        var budget = new RequestBodyBudget(10);
        var holder = await budget.ReserveAsync(10, TimeSpan.Zero, CancellationToken.None);
        Assert.Null(await budget.ReserveAsync(5, TimeSpan.FromMilliseconds(20), CancellationToken.None));

        holder!.Dispose();
        holder.Dispose(); // twice is harmless

        Assert.Equal(10, budget.AvailableBytes);
        using var again = await budget.ReserveAsync(10, TimeSpan.Zero, CancellationToken.None);
        Assert.NotNull(again);
    }

    [Fact]
    public async Task A_request_larger_than_the_budget_reserves_the_whole_budget_rather_than_waiting_forever()
    {
        var budget = new RequestBodyBudget(10);
        using var all = await budget.ReserveAsync(1_000, TimeSpan.Zero, CancellationToken.None);

        Assert.NotNull(all);
        Assert.Equal(10, all.Bytes);
    }
}
