using TaskRun.Core.Api;
using TaskRun.Testing;
using Xunit;

namespace TaskRun.Controller.Tests.Integration;

/// <summary>A controller that dies at any point of its work and is started again never makes a second Job for a run.</summary>
[Collection(ControllerTests.Name)]
public sealed class CrashRecoveryTests(KubernetesFixture fixture)
{
    public static TheoryData<int> KillPoints => new() { 1, 2, 3, 4, 5, 6 };

    [Theory]
    [MemberData(nameof(KillPoints))]
    public async Task Killed_after_n_writes_and_restarted_the_controller_converges_with_one_Job_per_run(int writesBeforeDeath)
    {
        var ns = await fixture.CreateNamespaceAsync();
        await TaskRunClient.CreateAsync(fixture.Client, SeedTaskRun.Build(ns, "crash"));

        await using (var doomed = new ControllerHarness(fixture, ns, dieAfterWrites: writesBeforeDeath))
        {
            await Eventually.HoldsAsync(() => Task.FromResult(doomed.Writes.IsDead), dead => dead, $"the controller to die after {writesBeforeDeath} writes");
        }

        await using var survivor = new ControllerHarness(fixture, ns);
        var running = await Eventually.HoldsAsync(() => TaskRunClient.GetAsync(fixture.Client, ns, "crash"),
            t => t?.Status?.Phase == Phases.Running, "the restarted controller to converge");

        Assert.Equal(1, running!.Status!.Attempt);
        Assert.Equal(["crash-run-1"], (await Cluster.JobsAsync(fixture.Client, ns)).Select(j => j.Metadata.Name));
        Assert.Equal(["crash-run-1-files"], (await Cluster.RunConfigMapsAsync(fixture.Client, ns)).Select(c => c.Metadata.Name));

        // And the run still completes normally.
        await Cluster.FinishJobAsync(fixture.Client, ns, "crash-run-1", "Complete");
        await Eventually.HoldsAsync(() => TaskRunClient.GetAsync(fixture.Client, ns, "crash"), t => t?.Status?.Phase == Phases.Succeeded, "Succeeded");
    }
}
