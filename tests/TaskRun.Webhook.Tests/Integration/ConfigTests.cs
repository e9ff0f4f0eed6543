using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using TaskRun.Core.Config;
using TaskRun.Testing;
using Xunit;
using static TaskRun.Webhook.Tests.Integration.Manifests;

namespace TaskRun.Webhook.Tests.Integration;

/// <summary>
/// The taskrun-controller-config ConfigMap: a bad one is refused at apply, naming the key; a good one changes
/// the webhook's limits and policies with no restart; deleting it brings back the built-in defaults.
/// </summary>
[Collection(WebhookTests.Name)]
public sealed class ConfigTests(WebhookFixture fixture) : IAsyncLifetime
{
    public static TheoryData<string, string, string[]> BadConfigs => new()
    {
        { "job:\n  backoffLimit: -1\n", "data[config.yaml].job.backoffLimit", ["is -1; expected an integer, at least 0 and at most 100"] },
        { "job:\n  backoffLimit: three\n", "data[config.yaml].job.backoffLimit", ["is \"three\"; expected an integer"] },
        { "secrets:\n  name: My_Secrets\n", "data[config.yaml].secrets.name", ["is \"My_Secrets\"; expected a Secret name"] },
        { "limits:\n  maxFileBytes: 2000000\n", "data[config.yaml].limits.maxFileBytes", ["1048576"] },
        { "jobs:\n  backoffLimit: 1\n", "data[config.yaml].jobs", ["not a known key"] },
        { "agent:\n  allowOverrides: maybe\n", "data[config.yaml].agent.allowOverrides", ["boolean"] },
        { "retry:\n  baseDelaySeconds: 60\n  maxDelaySeconds: 10\n", "data[config.yaml].retry.maxDelaySeconds", ["below retry.baseDelaySeconds (60)"] },
        { "agent:\n  resources:\n    requests: {cpu: \"4\"}\n    limits: {cpu: \"2\"}\n", "data[config.yaml].agent.resources.requests.cpu", ["above the limit 2"] },
        { "job: [unclosed\n", "data[config.yaml]", ["not valid YAML"] },
        { "notifications:\n  sinks:\n  - url: \"http:///events\"\n", "data[config.yaml].notifications.sinks[0].url", ["http:// or https:// URL with a host"] },
        { "notifications:\n  sinks:\n  - url: http://sink/\n    types: [started]\n", "data[config.yaml].notifications.sinks.0.types.0", ["\"started\""] },
        { "agent:\n  image: \"$(id)\"\n", "data[config.yaml].agent.image", ["$(id)"] },
        { "telemetry:\n  otlpEndpoint: \"collector:4317\\nX: 1\"\n", "data[config.yaml].telemetry.otlpEndpoint", [] },
        { "agent:\n  resources:\n    limits:\n      memory: 99999999999999999999Ei\n", "data[config.yaml].agent.resources.limits.memory", [] },
        { "agent:\n  allowedImages: [\"ghcr.io/org*\"]\n", "data[config.yaml].agent.allowedImages[0]", ["prefix ending in /*, :* or @*"] },
    };

    [Theory]
    [MemberData(nameof(BadConfigs))]
    public async Task A_bad_config_is_refused_at_apply_naming_the_key(string yaml, string field, string[] says)
    {
        var manifest = ConfigMap(fixture.ConfigNamespace, yaml);

        var dryRun = await fixture.KubectlWithInputAsync(manifest, "apply", "--dry-run=server", "-f", "-");
        var real = await fixture.KubectlWithInputAsync(manifest, "apply", "-f", "-");

        Assert.False(real.Succeeded, real.ToString());
        Assert.Contains("The ConfigMap \"taskrun-controller-config\" is invalid", real.StandardError, StringComparison.Ordinal);
        Assert.Contains(field, real.StandardError, StringComparison.Ordinal);
        Assert.All(says, s => Assert.Contains(s, real.StandardError, StringComparison.Ordinal));
        Assert.False(dryRun.Succeeded);
        Assert.Equal(real.StandardError, dryRun.StandardError);
        Assert.False(await fixture.ExistsAsync("configmap", fixture.ConfigNamespace, ControllerConfig.ConfigMapName));
    }

    [Fact]
    public async Task A_misspelled_data_key_is_refused_at_apply_with_the_key_to_use()
    {
        var manifest = new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "ConfigMap",
            ["metadata"] = new JsonObject
            {
                ["name"] = ControllerConfig.ConfigMapName,
                ["namespace"] = fixture.ConfigNamespace,
                ["labels"] = new JsonObject { [ControllerConfig.SelectorLabel] = "true" },
            },
            ["data"] = new JsonObject { ["config.yml"] = "job:\n  backoffLimit: 1\n" },
        }.ToJsonString();

        var refused = await fixture.KubectlWithInputAsync(manifest, "apply", "-f", "-");

        Assert.False(refused.Succeeded, refused.ToString());
        Assert.Contains("data[config.yml]: is not a key this ConfigMap is read from; put the whole config under data[config.yaml]", refused.StandardError, StringComparison.Ordinal);
        Assert.False(await fixture.ExistsAsync("configmap", fixture.ConfigNamespace, ControllerConfig.ConfigMapName));
    }

    [Fact]
    public async Task A_config_of_the_same_name_elsewhere_is_not_ours_and_not_checked()
    {
        var ns = await fixture.Kubernetes.CreateNamespaceAsync("elsewhere");
        var result = await fixture.KubectlWithInputAsync(ConfigMap(ns, "jobs: [whatever"), "apply", "-f", "-");
        Assert.True(result.Succeeded, result.ToString());
    }

    [Theory]
    [InlineData("v2")]
    [InlineData("v1")]
    public async Task The_limits_and_policies_follow_the_live_config_without_a_restart(string version)
    {
        var ns = await fixture.Kubernetes.CreateNamespaceAsync("live");
        var (fileField, agentField) = version == "v2"
            ? ("spec.files[0].content", "spec.agent")
            : ("spec.markdownFiles[0].content", "metadata.annotations[orchestrator.io/v2-spec].agent");
        var bigFile = TaskRun(ns, version, withAgent: false, fileBytes: 2000);
        var withAgent = TaskRun(ns, version, withAgent: true, fileBytes: 10);
        Assert.True((await DryRunAsync(bigFile)).Succeeded);
        // The built-in config allows no overrides; an admin allows them for the org's images.
        Assert.False((await DryRunAsync(withAgent)).Succeeded);
        var allowing = await fixture.KubectlWithInputAsync(
            ConfigMap(fixture.ConfigNamespace, "agent:\n  allowOverrides: true\n  allowedImages: [\"ghcr.io/org/*\"]\n"), "apply", "-f", "-");
        Assert.True(allowing.Succeeded, allowing.ToString());
        await Eventually.HoldsAsync(() => DryRunAsync(withAgent), r => r.Succeeded, "the agent override admitted", TimeSpan.FromMinutes(1));

        var applied = await fixture.KubectlWithInputAsync(
            ConfigMap(fixture.ConfigNamespace, "limits:\n  maxFileBytes: 1000\nagent:\n  allowOverrides: false\n"), "apply", "-f", "-");
        Assert.True(applied.Succeeded, applied.ToString());

        var refused = await Eventually.HoldsAsync(() => DryRunAsync(bigFile), r => !r.Succeeded, "the big file refused", TimeSpan.FromMinutes(1));
        Assert.Contains(fileField, refused.StandardError, StringComparison.Ordinal);
        Assert.Contains("limit of 1,000 bytes (limits.maxFileBytes) by 1,000 bytes", refused.StandardError, StringComparison.Ordinal);
        var forbidden = await DryRunAsync(withAgent);
        Assert.False(forbidden.Succeeded, forbidden.ToString());
        Assert.Contains(agentField, forbidden.StandardError, StringComparison.Ordinal);
        Assert.Contains("agent.allowOverrides: false", forbidden.StandardError, StringComparison.Ordinal);

        var deleted = await fixture.KubectlAsync("delete", "configmap", ControllerConfig.ConfigMapName, "-n", fixture.ConfigNamespace);
        Assert.True(deleted.Succeeded, deleted.ToString());
        await Eventually.HoldsAsync(() => DryRunAsync(bigFile), r => r.Succeeded, "the big file admitted", TimeSpan.FromMinutes(1));
        Assert.False((await DryRunAsync(withAgent)).Succeeded);
    }

    [Fact]
    public async Task Admission_spans_follow_the_configs_telemetry_keys_without_a_restart()
    {
        using var receiver = new OtlpReceiver();
        var applied = await fixture.KubectlWithInputAsync(
            ConfigMap(fixture.ConfigNamespace, $"telemetry:\n  otlpEndpoint: \"{receiver.Endpoint}\"\n  protocol: http/protobuf\n"), "apply", "-f", "-");
        Assert.True(applied.Succeeded, applied.ToString());
        var ns = await fixture.Kubernetes.CreateNamespaceAsync("traced");

        // Admissions go on until the switched exporter has posted one of them (it batches for up to 5 s).
        await Eventually.HoldsAsync(async () =>
        {
            await DryRunAsync(TaskRun(ns, "v2", withAgent: false, fileBytes: 10));
            return receiver.Received("/v1/traces", "service.name", "taskrun-webhook", "admission validate");
        }, "an admission span at the receiver", TimeSpan.FromMinutes(1));
        Assert.All(receiver.Requests, r => Assert.Equal("/v1/traces", r.Path));
    }

    [Fact]
    public async Task An_invalid_config_that_lands_anyway_is_kept_out_and_reported_with_a_Warning_Event()
    {
        var good = await fixture.KubectlWithInputAsync(ConfigMap(fixture.ConfigNamespace, "limits:\n  maxFileBytes: 1000\n"), "apply", "-f", "-");
        Assert.True(good.Succeeded, good.ToString());
        var ns = await fixture.Kubernetes.CreateNamespaceAsync("landed");
        var bigFile = TaskRun(ns, "v2", withAgent: false, fileBytes: 2000);
        await Eventually.HoldsAsync(() => DryRunAsync(bigFile), r => !r.Succeeded, "the big file refused", TimeSpan.FromMinutes(1));

        // Bypass the config webhook the way a misconfigured cluster would: its namespace selector no longer matches.
        var unlabel = await fixture.KubectlAsync("label", "namespace", fixture.ConfigNamespace, "kubernetes.io/metadata.name-");
        Assert.True(unlabel.Succeeded, unlabel.ToString());
        try
        {
            var bad = await Eventually.HoldsAsync(
                () => fixture.KubectlWithInputAsync(ConfigMap(fixture.ConfigNamespace, "limits:\n  maxFileBytes: -5\n"), "apply", "-f", "-"),
                r => r.Succeeded, "the invalid config applied past the webhook", TimeSpan.FromMinutes(1));
            Assert.True(bad.Succeeded, bad.ToString());

            var warning = await Eventually.HoldsAsync(() => InvalidConfigEventsAsync(), events => events.Count > 0, "an InvalidConfig Event", TimeSpan.FromMinutes(1));
            var reported = Assert.Single(warning);
            Assert.Equal("Warning", reported.Type);
            Assert.Equal("taskrun-webhook", reported.Source?.Component);
            Assert.Contains("limits.maxFileBytes", reported.Message, StringComparison.Ordinal);
            // The last good config (1000 bytes) is still in force.
            var stillRefused = await DryRunAsync(bigFile);
            Assert.False(stillRefused.Succeeded);
            Assert.Contains("limit of 1,000 bytes", stillRefused.StandardError, StringComparison.Ordinal);
        }
        finally
        {
            await fixture.KubectlAsync("label", "namespace", fixture.ConfigNamespace, $"kubernetes.io/metadata.name={fixture.ConfigNamespace}", "--overwrite");
        }
    }

    private async Task<List<Corev1Event>> InvalidConfigEventsAsync()
    {
        // Only the Events of the ConfigMap this test wrote (other tests leave theirs on earlier ConfigMaps of that name).
        var uid = (await fixture.Kubernetes.Client.CoreV1.ReadNamespacedConfigMapAsync(ControllerConfig.ConfigMapName, fixture.ConfigNamespace)).Metadata.Uid;
        var events = await fixture.Kubernetes.Client.CoreV1.ListNamespacedEventAsync(fixture.ConfigNamespace);
        return [.. events.Items.Where(e => e.Reason == "InvalidConfig" && e.InvolvedObject.Uid == uid && e.Source?.Component == "taskrun-webhook")];
    }

    private Task<CommandResult> DryRunAsync(JsonObject taskRun) =>
        fixture.KubectlWithInputAsync(taskRun.ToJsonString(), "apply", "--dry-run=server", "-f", "-");

    private static JsonObject TaskRun(string ns, string version, bool withAgent, int fileBytes)
    {
        var taskRun = version == "v2" ? ValidV2(ns, "live") : ValidV1(ns, "live");
        var spec = taskRun["spec"]!;
        spec[version == "v2" ? "files" : "markdownFiles"]![0]!["content"] = new string('x', fileBytes);
        if (withAgent)
        {
            if (version == "v2")
            {
                spec["agent"] = new JsonObject { ["image"] = "ghcr.io/org/agent:2" };
            }
            else
            {
                taskRun["metadata"]!["annotations"] = new JsonObject { ["orchestrator.io/v2-spec"] = """{"agent":{"image":"ghcr.io/org/agent:2"}}""" };
            }
        }

        return taskRun;
    }

    private static string ConfigMap(string ns, string yaml) => new JsonObject
    {
        ["apiVersion"] = "v1",
        ["kind"] = "ConfigMap",
        ["metadata"] = new JsonObject
        {
            ["name"] = ControllerConfig.ConfigMapName,
            ["namespace"] = ns,
            ["labels"] = new JsonObject { [ControllerConfig.SelectorLabel] = "true" },
        },
        ["data"] = new JsonObject { [ControllerConfig.DataKey] = yaml },
    }.ToJsonString();

    public Task InitializeAsync() => RemoveConfigAsync();

    /// <summary>Leaves the built-in defaults in force for the next test, and waits until the webhook uses them.</summary>
    public async Task DisposeAsync()
    {
        await RemoveConfigAsync();
        var ns = await fixture.Kubernetes.CreateNamespaceAsync("reset");
        await Eventually.HoldsAsync(() => DryRunAsync(TaskRun(ns, "v2", withAgent: false, fileBytes: 2000)), r => r.Succeeded, "the built-in defaults in force", TimeSpan.FromMinutes(1));
    }

    private async Task RemoveConfigAsync()
    {
        var deleted = await fixture.KubectlAsync("delete", "configmap", ControllerConfig.ConfigMapName, "-n", fixture.ConfigNamespace, "--ignore-not-found");
        Assert.True(deleted.Succeeded, deleted.ToString());
    }
}
