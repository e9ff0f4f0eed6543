using System.Net;
using k8s.Autorest;
using TaskRun.Core.Api;
using TaskRun.Testing;
using Xunit;

namespace TaskRun.Api.Tests;

/// <summary>What the CRD's schema alone forbids, even with no webhook in the way.</summary>
[Collection(ApiServerTests.Name)]
public sealed class SchemaRejectionTests(KubernetesFixture fixture)
{
    public static TheoryData<string, Action<V2TaskRunSpec>, string> Violations => new()
    {
        { "priority outside the enum", s => s.Priority = "urgent", "spec.priority" },
        { "taskId below 1", s => s.TaskId = 0, "spec.taskId" },
        { "no files", s => s.Files = [], "spec.files" },
        // kube-apiserver 1.20 names list items' fields without the index in schema errors.
        { "file name with a slash", s => s.Files![0].Name = "../etc/passwd.md", "spec.files.name" },
        { "file type outside the enum", s => s.Files![0].Type = "binary", "spec.files.type" },
        { "serviceName in upper case", s => s.ServiceName = "Auth-Service", "spec.serviceName" },
        { "maxRetries above 10", s => s.Retry = new RetrySpec { Attempt = 1, MaxRetries = 11 }, "spec.retry.maxRetries" },
        { "timeoutSeconds below 60", s => s.TimeoutSeconds = 59, "spec.timeoutSeconds" },
        { "retry.attempt below 1", s => s.Retry = new RetrySpec { Attempt = 0 }, "spec.retry.attempt" },
        { "missing serviceName", s => s.ServiceName = null, "spec.serviceName" },
    };

    [Theory]
    [MemberData(nameof(Violations))]
    public async Task The_schema_rejects(string because, Action<V2TaskRunSpec> breakSpec, string field)
    {
        ArgumentNullException.ThrowIfNull(breakSpec);
        var ns = await fixture.CreateNamespaceAsync();
        var taskRun = SeedTaskRun.Build(ns, "invalid");
        breakSpec(taskRun.Spec);

        var error = await Assert.ThrowsAsync<HttpOperationException>(() => TaskRunClient.CreateAsync(fixture.Client, taskRun));

        Assert.True(error.Response.StatusCode == HttpStatusCode.UnprocessableEntity, $"{because}: {error.Response.Content}");
        Assert.Contains(field, error.Response.Content, StringComparison.Ordinal);
        var list = await TaskRunClient.ListAsync(fixture.Client, ns);
        Assert.Empty(list.Items);
    }
}
