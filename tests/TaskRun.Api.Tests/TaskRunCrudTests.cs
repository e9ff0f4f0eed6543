using System.Net;
using k8s.Autorest;
using TaskRun.Core.Api;
using TaskRun.Testing;
using Xunit;

namespace TaskRun.Api.Tests;

/// <summary>The CRD as the real API server serves it: storage, status subresource, kubectl views.</summary>
[Collection(ApiServerTests.Name)]
public sealed class TaskRunCrudTests(KubernetesFixture fixture)
{
    [Fact]
    public async Task Create_get_list_update_and_delete_a_v2_TaskRun()
    {
        var ns = await fixture.CreateNamespaceAsync();
        var created = await TaskRunClient.CreateAsync(fixture.Client, SeedTaskRun.Build(ns, "crud"));
        Assert.False(string.IsNullOrEmpty(created.Metadata.Uid));
        Assert.Equal(1, created.Metadata.Generation);

        var read = Assert.IsType<V2TaskRun>(await TaskRunClient.GetAsync(fixture.Client, ns, "crud"));
        Assert.Equal(1001, read.Spec.TaskId);
        Assert.Equal(["task.md", "design-spec.md", "prompt.md"], read.Spec.Files!.Select(f => f.Name));

        var list = await TaskRunClient.ListAsync(fixture.Client, ns);
        Assert.Equal(["crud"], list.Items.Select(t => t.Metadata.Name));

        read.Spec.Priority = Priorities.Critical;
        var updated = await TaskRunClient.ReplaceAsync(fixture.Client, read);
        Assert.Equal(Priorities.Critical, updated.Spec.Priority);
        Assert.Equal(2, updated.Metadata.Generation);

        await TaskRunClient.DeleteAsync(fixture.Client, ns, "crud");
        Assert.Null(await TaskRunClient.GetAsync(fixture.Client, ns, "crud")); // 404
    }

    [Fact]
    public async Task Status_subresource_ignores_spec_changes_and_spec_updates_ignore_status()
    {
        var ns = await fixture.CreateNamespaceAsync();
        var created = await TaskRunClient.CreateAsync(fixture.Client, SeedTaskRun.Build(ns, "status"));

        created.Status = new TaskRunStatus { Phase = Phases.Running, Attempt = 1, JobName = "status-run-1" };
        created.Spec.Priority = Priorities.Low;
        var afterStatus = await TaskRunClient.ReplaceStatusAsync(fixture.Client, created);
        Assert.Equal(Phases.Running, afterStatus.Status?.Phase);
        Assert.Equal(Priorities.High, afterStatus.Spec.Priority);
        Assert.Equal(1, afterStatus.Metadata.Generation);

        afterStatus.Status = new TaskRunStatus { Phase = Phases.Failed };
        afterStatus.Spec.Priority = Priorities.Low;
        var afterSpec = await TaskRunClient.ReplaceAsync(fixture.Client, afterStatus);
        Assert.Equal(Priorities.Low, afterSpec.Spec.Priority);
        Assert.Equal(Phases.Running, afterSpec.Status?.Phase);
    }

    [Fact]
    public async Task Kubectl_get_otr_shows_the_printer_columns()
    {
        var ns = await fixture.CreateNamespaceAsync();
        var created = await TaskRunClient.CreateAsync(fixture.Client, SeedTaskRun.Build(ns, "columns"));
        created.Status = new TaskRunStatus { Phase = Phases.Running, Attempt = 1, JobName = "columns-run-1", TotalCostUsd = 0.42 };
        await TaskRunClient.ReplaceStatusAsync(fixture.Client, created);

        var result = await fixture.KubectlAsync("get", "otr", "-n", ns);

        Assert.True(result.Succeeded, result.ToString());
        var lines = result.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(["NAME", "TASK", "SERVICE", "PRIORITY", "PHASE", "ATTEMPT", "JOB", "COST", "AGE"],
            lines[0].Split(' ', StringSplitOptions.RemoveEmptyEntries));
        var row = lines[1].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(["columns", "1001", "auth-service", "high", "Running", "1", "columns-run-1", "0.42"], row[..8]);
    }

    [Fact]
    public async Task Kubectl_get_o_wide_adds_the_Succeeded_reason_and_the_message()
    {
        var ns = await fixture.CreateNamespaceAsync();
        var created = await TaskRunClient.CreateAsync(fixture.Client, SeedTaskRun.Build(ns, "wide"));
        created.Status = new TaskRunStatus
        {
            Phase = Phases.Pending,
            Attempt = 1,
            Message = "run-1-failed;retry-1-of-3",
            Conditions =
            [
                new k8s.Models.V1Condition
                {
                    Type = ConditionTypes.Succeeded, Status = "Unknown", Reason = ConditionReasons.RetryScheduled,
                    Message = "run-1-failed;retry-1-of-3", LastTransitionTime = DateTime.UtcNow,
                },
            ],
        };
        await TaskRunClient.ReplaceStatusAsync(fixture.Client, created);

        var result = await fixture.KubectlAsync("get", "otr", "-n", ns, "-o", "wide");

        Assert.True(result.Succeeded, result.ToString());
        var lines = result.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(["REASON", "MESSAGE"], lines[0].Split(' ', StringSplitOptions.RemoveEmptyEntries)[^2..]);
        Assert.Equal([ConditionReasons.RetryScheduled, "run-1-failed;retry-1-of-3"], lines[1].Split(' ', StringSplitOptions.RemoveEmptyEntries)[^2..]);
    }

    [Fact]
    public async Task Kubectl_get_by_category_lists_TaskRuns()
    {
        var ns = await fixture.CreateNamespaceAsync();
        await TaskRunClient.CreateAsync(fixture.Client, SeedTaskRun.Build(ns, "category"));

        var result = await fixture.KubectlAsync("get", TaskRunApi.Category, "-n", ns, "-o", "name");

        Assert.True(result.Succeeded, result.ToString());
        Assert.Contains("taskrun.orchestrator.io/category", result.StandardOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Kubectl_explain_shows_the_field_descriptions()
    {
        // The API server publishes a new CRD's OpenAPI a moment after the CRD is Established.
        var result = await Eventually.HoldsAsync(
            () => fixture.KubectlAsync("explain", "taskruns.spec.files"), r => r.Succeeded, "kubectl explain", TimeSpan.FromSeconds(30));

        Assert.Contains("name", result.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("content", result.StandardOutput, StringComparison.Ordinal);
        // Every field listed by explain carries a description, not just its type.
        var fieldsSection = result.StandardOutput[result.StandardOutput.IndexOf("FIELDS:", StringComparison.Ordinal)..];
        foreach (var field in new[] { "name", "type", "content" })
        {
            var at = fieldsSection.IndexOf($"  {field}\t", StringComparison.Ordinal);
            Assert.True(at >= 0, $"explain lists no field {field}:\n{result.StandardOutput}");
            var description = fieldsSection[at..].Split('\n').Skip(1).FirstOrDefault() ?? "";
            Assert.False(string.IsNullOrWhiteSpace(description), $"field {field} has no description:\n{result.StandardOutput}");
        }
    }
}
