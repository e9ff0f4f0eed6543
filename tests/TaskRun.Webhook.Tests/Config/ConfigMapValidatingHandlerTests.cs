using TaskRun.Webhook.Admission;
using TaskRun.Webhook.Config;
using TaskRun.Webhook.Tests.Support;
using Xunit;

namespace TaskRun.Webhook.Tests.Config;

public sealed class ConfigMapValidatingHandlerTests
{
    private readonly ConfigMapValidatingHandler handler = new(new FixedConfig(ns: "orchestrator"));

    [Fact]
    public void A_valid_config_is_allowed()
    {
        var request = Reviews.ConfigMapRequest("CREATE", "orchestrator", "taskrun-controller-config", new Dictionary<string, string>
        {
            ["config.yaml"] = "job:\n  backoffLimit: 2\nlimits:\n  maxFileBytes: 1000\nagent:\n  allowOverrides: false\nscheduling:\n  maxActiveRuns: 10\n  priorityClassNames:\n    critical: agents-critical\n",
        });

        Assert.True(handler.Admit(request).Response.Allowed);
    }

    [Theory]
    [InlineData("job:\n  backoffLimit: -1\n", "data[config.yaml].job.backoffLimit")]
    [InlineData("limits:\n  maxFileBytes: 2000000\n", "data[config.yaml].limits.maxFileBytes")]
    [InlineData("jobs:\n  backoffLimit: 1\n", "data[config.yaml].jobs")]
    [InlineData("retry:\n  baseDelaySeconds: 100\n  maxDelaySeconds: 10\n", "data[config.yaml].retry.maxDelaySeconds")]
    [InlineData("job: [unclosed\n", "data[config.yaml]")]
    [InlineData("scheduling:\n  maxActiveRuns: -1\n", "data[config.yaml].scheduling.maxActiveRuns")]
    [InlineData("scheduling:\n  maxActiveRunsPerNamespace: many\n", "data[config.yaml].scheduling.maxActiveRunsPerNamespace")]
    [InlineData("scheduling:\n  priorityClassNames:\n    urgent: agents-urgent\n", "data[config.yaml].scheduling.priorityClassNames.urgent")]
    public void An_invalid_config_is_denied_with_a_cause_naming_the_key(string yaml, string field)
    {
        var request = Reviews.ConfigMapRequest("UPDATE", "orchestrator", "taskrun-controller-config", new Dictionary<string, string> { ["config.yaml"] = yaml });

        var outcome = handler.Admit(request);

        Assert.False(outcome.Response.Allowed);
        Assert.Equal(AdmissionOutcome.Denied, outcome.Result);
        var status = outcome.Response.Status!;
        Assert.Equal(422, status.Code);
        Assert.Equal("Invalid", status.Reason);
        Assert.Contains(status.Details!.Causes!, c => c.Field == field);
        Assert.Contains(field, status.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("orchestrator", "some-other-config")]
    [InlineData("team-a", "taskrun-controller-config")]
    public void Other_ConfigMaps_are_allowed(string ns, string name)
    {
        var request = Reviews.ConfigMapRequest("CREATE", ns, name, new Dictionary<string, string> { ["config.yaml"] = "not: [valid" });
        Assert.True(handler.Admit(request).Response.Allowed);
    }

    [Fact]
    public void No_config_key_means_the_defaults_and_is_allowed()
    {
        Assert.True(handler.Admit(Reviews.ConfigMapRequest("CREATE", "orchestrator", "taskrun-controller-config", null)).Response.Allowed);
    }

    [Fact]
    public void Another_kind_is_denied()
    {
        var request = Reviews.ConfigMapRequest("CREATE", "orchestrator", "taskrun-controller-config", null);
        request.Kind = new GroupVersionKind("", "v1", "Secret");
        var response = handler.Admit(request).Response;
        Assert.False(response.Allowed);
        Assert.Equal(400, response.Status!.Code);
    }
}
