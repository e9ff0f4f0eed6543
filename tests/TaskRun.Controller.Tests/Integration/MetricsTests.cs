using TaskRun.Core.Api;
using TaskRun.Testing;
using Xunit;
using Xunit.Abstractions;

namespace TaskRun.Controller.Tests.Integration;

/// <summary>
/// The real controller process's /metrics after a run started: clean under <c>promtool check metrics</c>, with
/// controller-runtime's names alongside the seed's.
/// </summary>
[Collection(ControllerTests.Name)]
public sealed class MetricsTests(KubernetesFixture fixture, ITestOutputHelper output)
{
    [Fact]
    public async Task Metrics_pass_promtool_check_and_carry_controller_runtime_and_seed_names()
    {
        var ns = await fixture.CreateNamespaceAsync();
        await using var controller = ControllerProcess.Start(fixture, ns, "metrics", LeaseTimings.Short, "--Controller:MetricsBindAddress=127.0.0.1");
        await TaskRunClient.CreateAsync(fixture.Client, SeedTaskRun.Build(ns));
        await Cluster.WaitRunningAsync(fixture.Client, ns, 1, TimeSpan.FromSeconds(60));
        // The phase and active-job gauges are set on a timer; the leader gauge once the lease is held.
        await Eventually.HoldsAsync(() => controller.MetricAsync("taskrun_active_jobs"), v => v == 1, "one active Job counted");

        var text = await controller.MetricsTextAsync();
        var check = await Promtool.CheckMetricsAsync(text);

        Assert.True(check.Succeeded && check.StandardOutput.Trim().Length == 0 && check.StandardError.Trim().Length == 0, check.ToString());
        foreach (var name in new[]
        {
            "controller_runtime_reconcile_total{controller=\"taskrun\",result=\"success\"}",
            "controller_runtime_reconcile_errors_total{controller=\"taskrun\"}",
            "controller_runtime_reconcile_time_seconds_bucket{controller=\"taskrun\"",
            "controller_runtime_max_concurrent_reconciles{controller=\"taskrun\"} 8",
            "controller_runtime_active_workers{controller=\"taskrun\"}",
            "workqueue_depth{name=\"taskrun\"}",
            "workqueue_adds_total{name=\"taskrun\"}",
            "workqueue_queue_duration_seconds_bucket{name=\"taskrun\"",
            "workqueue_work_duration_seconds_bucket{name=\"taskrun\"",
            "workqueue_retries_total{name=\"taskrun\"}",
            "workqueue_unfinished_work_seconds{name=\"taskrun\"}",
            "workqueue_longest_running_processor_seconds{name=\"taskrun\"}",
            "rest_client_requests_total{code=\"200\",method=\"GET\",host=\"127.0.0.1:",
            "leader_election_master_status{name=\"taskrun-controller-leader\"} 1",
            "taskrun_reconciliations_total{result=\"success\"}",
            "taskrun_reconciliation_duration_seconds_bucket",
            "taskrun_jobs_created_total 1",
            "taskrun_configmaps_created_total 1",
            "taskrun_active_jobs 1",
            "taskrun_configmap_size_bytes_count 1",
        })
        {
            Assert.True(text.Contains(name, StringComparison.Ordinal), $"missing {name}");
        }

        output.WriteLine($"promtool check metrics: exit {check.ExitCode}, {text.Split('\n').Count(l => l.StartsWith("# TYPE", StringComparison.Ordinal))} metric families");
        Assert.Equal(Phases.Running, (await TaskRunClient.GetAsync(fixture.Client, ns, "auth-service-task-1001"))!.Status!.Phase);
    }
}
