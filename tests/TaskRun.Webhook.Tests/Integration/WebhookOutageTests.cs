using TaskRun.Testing;
using TaskRun.Webhook.Tests.Load;
using Xunit;
using static TaskRun.Webhook.Tests.Integration.Manifests;

namespace TaskRun.Webhook.Tests.Integration;

/// <summary>
/// What a webhook outage blocks and what it does not (README, "When the webhook is down"): a webhook process is
/// registered with the repository's script, then stopped. TaskRun writes and v1 reads need it (failurePolicy
/// Fail, conversion); v2 reads and the system namespace's other ConfigMaps do not. The fixture's own webhook is
/// registered again afterwards.
/// </summary>
[Collection(WebhookTests.Name)]
public sealed class WebhookOutageTests(WebhookFixture fixture)
{
    [Fact]
    public async Task With_the_webhook_stopped_other_ConfigMaps_of_the_system_namespace_and_v2_reads_work_and_TaskRun_writes_are_refused()
    {
        var ns = await fixture.Kubernetes.CreateNamespaceAsync("outage");
        var caFile = Path.Combine(Path.GetTempPath(), $"outage-ca-{Guid.NewGuid():N}.crt");
        var webhook = await WebhookProcess.StartAsync([$"--Webhook:ConfigNamespace={fixture.ConfigNamespace}"]);
        var stopped = false;
        try
        {
            File.WriteAllText(caFile, webhook.Ca.CaPem);
            var registered = await ProcessRunner.RunAsync("bash",
                [RepositoryPaths.InRoot("hack", "webhook-register.sh"), "--url", webhook.TlsUri.ToString(), "--ca-file", caFile, "--config-namespace", fixture.ConfigNamespace],
                new Dictionary<string, string> { ["KUBECONFIG"] = fixture.Kubernetes.ControlPlane.KubeconfigPath }, timeout: TimeSpan.FromMinutes(2));
            Assert.True(registered.Succeeded, registered.ToString());
            var created = await fixture.KubectlWithInputAsync(ValidV2(ns, "before-outage").ToJsonString(), "apply", "-f", "-");
            Assert.True(created.Succeeded, created.ToString());

            await webhook.DisposeAsync();
            stopped = true;

            var unrelated = await fixture.KubectlAsync("create", "configmap", "unrelated-settings", "-n", fixture.ConfigNamespace, "--from-literal=key=value");
            Assert.True(unrelated.Succeeded, $"an unrelated ConfigMap of the system namespace was blocked by the outage: {unrelated}");
            var v2Read = await fixture.KubectlAsync("get", V2Resource, "before-outage", "-n", ns, "-o", "name");
            Assert.True(v2Read.Succeeded, v2Read.ToString());

            var taskRunCreate = await fixture.KubectlWithInputAsync(ValidV2(ns, "during-outage").ToJsonString(), "apply", "-f", "-");
            Assert.False(taskRunCreate.Succeeded, taskRunCreate.ToString());
            Assert.Contains("failed calling webhook", taskRunCreate.StandardError, StringComparison.Ordinal);
            var v1Read = await fixture.KubectlAsync("get", V1Resource, "before-outage", "-n", ns, "-o", "name");
            Assert.False(v1Read.Succeeded, v1Read.ToString());
        }
        finally
        {
            if (!stopped)
            {
                await webhook.DisposeAsync();
            }

            File.Delete(caFile);
            var restored = await fixture.RegisterAsync();
            Assert.True(restored.Succeeded, restored.ToString());
        }
    }
}
