using TaskRun.Controller.Hosting;
using Xunit;

namespace TaskRun.Controller.Tests.Hosting;

public sealed class ControllerProcessOptionsValidatorTests
{
    private readonly ControllerProcessOptionsValidator validator = new();

    [Fact]
    public void The_defaults_are_valid()
    {
        Assert.True(validator.Validate(null, new ControllerProcessOptions()).Succeeded);
    }

    [Fact]
    public void Every_problem_is_reported_at_once()
    {
        var options = new ControllerProcessOptions
        {
            Workers = 0,
            WatchNamespaces = "team-a,Team_B",
            MetricsPort = 70000,
            MetricsBindAddress = "localhost",
            Kubeconfig = "/does/not/exist",
        };
        options.LeaderElection.LeaseName = "";

        var result = validator.Validate(null, options);

        Assert.True(result.Failed);
        var failures = result.Failures!.ToList();
        Assert.Equal(6, failures.Count);
        Assert.Contains(failures, f => f.Contains("Controller:Workers is 0", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.Contains("\"Team_B\"", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.Contains("Controller:MetricsPort is 70000", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.Contains("Controller:MetricsBindAddress is \"localhost\"", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.Contains("\"/does/not/exist\" does not exist", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.Contains("LeaseName", StringComparison.Ordinal));
    }

    [Fact]
    public void Lease_timings_out_of_order_are_refused()
    {
        var options = new ControllerProcessOptions();
        options.LeaderElection.RenewDeadline = options.LeaderElection.LeaseDuration;

        var failure = Assert.Single(validator.Validate(null, options).Failures!);

        Assert.StartsWith("Controller:LeaderElection timings", failure, StringComparison.Ordinal);
    }
}
