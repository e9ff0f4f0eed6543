using Xunit;

namespace TaskRun.Runtime.Tests;

public sealed class BackoffTests
{
    [Theory]
    [InlineData(0, 1)]
    [InlineData(1, 2)]
    [InlineData(3, 8)]
    [InlineData(6, 60)]
    [InlineData(10_000, 60)]
    public void The_delay_is_between_half_and_all_of_the_capped_exponential_step(int exponent, double step)
    {
        var random = new Random(exponent);
        for (var i = 0; i < 100; i++)
        {
            var delay = Backoff.Delay(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(60), exponent, random);
            Assert.InRange(delay.TotalSeconds, step / 2, step);
        }

        Assert.Equal(TimeSpan.FromSeconds(step), Backoff.Exponential(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(60), exponent));
    }

    [Fact]
    public void A_negative_exponent_is_the_base_step()
    {
        Assert.Equal(TimeSpan.FromSeconds(1), Backoff.Exponential(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(60), -3));
    }
}
