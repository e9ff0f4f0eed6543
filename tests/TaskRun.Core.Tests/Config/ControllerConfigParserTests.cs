using System.Text.Json;
using TaskRun.Core.Config;
using Xunit;

namespace TaskRun.Core.Tests.Config;

/// <summary>
/// config.yaml of the taskrun-controller-config ConfigMap: defaults when absent, the seed's file, and a
/// bad config refused with an error that names the key.
/// </summary>
public sealed class ControllerConfigParserTests
{
    private const string SeedConfig = """
        job:
          backoffLimit: 3
          activeDeadlineSeconds: 3600
          ttlSecondsAfterFinished: 86400
        agent:
          image: "ghcr.io/5dlabs/platform/claude-code:latest"
          resources:
            requests:
              cpu: "1"
              memory: "2Gi"
            limits:
              cpu: "2"
              memory: "4Gi"
        telemetry:
          enabled: true
          otlpEndpoint: "otel-collector-opentelemetry-collector.telemetry.svc.cluster.local:4317"
        """;

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("\n\n")]
    [InlineData("# only a comment\n")]
    [InlineData("{}")]
    [InlineData("---\n")]
    public void An_empty_config_yields_the_defaults(string? yaml)
    {
        var result = ControllerConfigParser.Parse(yaml);

        Assert.True(result.IsValid, result.Summary());
        AssertSameConfig(ControllerConfig.Default, result.Config!);
    }

    [Fact]
    public void A_missing_ConfigMap_or_config_yaml_key_yields_the_defaults()
    {
        foreach (var data in new IDictionary<string, string>?[] { null, new Dictionary<string, string>() })
        {
            var result = ControllerConfigParser.ParseConfigMapData(data);

            Assert.True(result.IsValid);
            AssertSameConfig(ControllerConfig.Default, result.Config!);
        }
    }

    [Fact]
    public void The_defaults_are_the_documented_ones()
    {
        var config = ControllerConfig.Default;

        Assert.Equal((3, 3600, 86400), (config.Job.BackoffLimit, config.Job.ActiveDeadlineSeconds, config.Job.TtlSecondsAfterFinished));
        Assert.Equal("ghcr.io/5dlabs/platform/claude-code:latest", config.Agent.Image);
        Assert.Equal(["claude"], config.Agent.Command);
        Assert.Equal(("acceptEdits", null, true), (config.Agent.PermissionMode, config.Agent.ApiBaseUrl, config.Agent.ContinueConversation));
        Assert.False(config.Agent.AllowOverrides);
        Assert.Empty(config.Agent.AllowedImages);
        Assert.Equal(new Dictionary<string, string> { ["cpu"] = "4", ["memory"] = "16Gi" }, config.Agent.MaxResources);
        Assert.Equal("busybox:1.36", config.InitContainer.Image);
        Assert.Equal(new Dictionary<string, string> { ["cpu"] = "50m", ["memory"] = "32Mi" }, config.InitContainer.Resources.Requests);
        Assert.Equal(new Dictionary<string, string> { ["cpu"] = "200m", ["memory"] = "64Mi" }, config.InitContainer.Resources.Limits);
        Assert.Equal("orchestrator-secrets", config.Secrets.Name);
        Assert.Equal((3, 10, 300), (config.Retry.MaxRetries, config.Retry.BaseDelaySeconds, config.Retry.MaxDelaySeconds));
        Assert.Equal(["BackoffLimitExceeded", "DeadlineExceeded"], config.Retry.RetryOn);
        Assert.Equal(1_048_576, config.Limits.MaxFileBytes);
        Assert.Equal("taskrun-controller-config", ControllerConfig.ConfigMapName);
        Assert.Equal("config.yaml", ControllerConfig.DataKey);
    }

    [Fact]
    public void The_seed_config_parses_to_its_values()
    {
        var result = ControllerConfigParser.ParseConfigMapData(new Dictionary<string, string> { ["config.yaml"] = SeedConfig });

        Assert.True(result.IsValid, result.Summary());
        var config = result.Config!;
        Assert.Equal(3, config.Job.BackoffLimit);
        Assert.Equal(3600, config.Job.ActiveDeadlineSeconds);
        Assert.Equal(86400, config.Job.TtlSecondsAfterFinished);
        Assert.Equal("ghcr.io/5dlabs/platform/claude-code:latest", config.Agent.Image);
        Assert.Equal(new Dictionary<string, string> { ["cpu"] = "1", ["memory"] = "2Gi" }, config.Agent.Resources.Requests);
        Assert.Equal(new Dictionary<string, string> { ["cpu"] = "2", ["memory"] = "4Gi" }, config.Agent.Resources.Limits);
        Assert.True(config.Telemetry.Enabled);
        Assert.Equal("otel-collector-opentelemetry-collector.telemetry.svc.cluster.local:4317", config.Telemetry.OtlpEndpoint);
        // Keys the seed does not set keep their defaults.
        Assert.Equal(ControllerConfig.Default.Retry.MaxRetries, config.Retry.MaxRetries);
        Assert.Equal(ControllerConfig.Default.Limits.MaxFileBytes, config.Limits.MaxFileBytes);
        Assert.Equal(ControllerConfig.Default.InitContainer.Image, config.InitContainer.Image);
    }

    [Fact]
    public void Every_key_can_be_set()
    {
        const string yaml = """
            job: { backoffLimit: 0, activeDeadlineSeconds: 60, ttlSecondsAfterFinished: 0 }
            agent:
              image: registry.local/agent:2
              command: [agent]
              args: ["--print", "--verbose"]
              resources: { requests: { cpu: 250m }, limits: { cpu: 1 } }
              allowOverrides: false
              permissionMode: bypassPermissions
              apiBaseUrl: "https://llm-gateway.internal:8443/anthropic"
              continueConversation: false
            initContainer: { image: "registry.local/busybox:1.36", resources: { requests: { cpu: 10m }, limits: { memory: 16Mi } } }
            secrets: { name: agent-secrets, apiKeyKey: API_KEY }
            retry: { maxRetries: 0, baseDelaySeconds: 5, maxDelaySeconds: 5, retryOn: [DeadlineExceeded] }
            limits: { maxFileBytes: 1 }
            workspace: { createPvc: false, storageSize: 20Gi, storageClassName: fast, accessMode: ReadWriteMany }
            telemetry: { enabled: false, otlpEndpoint: null }
            scheduling: { maxActiveRuns: 100, maxActiveRunsPerNamespace: 10, priorityClassNames: { critical: agent-critical, low: agent.low } }
            """;

        var result = ControllerConfigParser.Parse(yaml);

        Assert.True(result.IsValid, result.Summary());
        var c = result.Config!;
        Assert.Equal((0, 60, 0), (c.Job.BackoffLimit, c.Job.ActiveDeadlineSeconds, c.Job.TtlSecondsAfterFinished));
        Assert.Equal("registry.local/agent:2", c.Agent.Image);
        Assert.Equal(["agent"], c.Agent.Command);
        Assert.Equal(["--print", "--verbose"], c.Agent.Args);
        Assert.Equal("250m", c.Agent.Resources.Requests["cpu"]);
        Assert.Equal("1", c.Agent.Resources.Limits["cpu"]);
        Assert.False(c.Agent.AllowOverrides);
        Assert.Equal(("bypassPermissions", "https://llm-gateway.internal:8443/anthropic", false), (c.Agent.PermissionMode, c.Agent.ApiBaseUrl, c.Agent.ContinueConversation));
        Assert.Equal("registry.local/busybox:1.36", c.InitContainer.Image);
        Assert.Equal(new Dictionary<string, string> { ["cpu"] = "10m" }, c.InitContainer.Resources.Requests);
        Assert.Equal(new Dictionary<string, string> { ["memory"] = "16Mi" }, c.InitContainer.Resources.Limits);
        Assert.Equal(("agent-secrets", "API_KEY"), (c.Secrets.Name, c.Secrets.ApiKeyKey));
        Assert.Equal((0, 5, 5), (c.Retry.MaxRetries, c.Retry.BaseDelaySeconds, c.Retry.MaxDelaySeconds));
        Assert.Equal(["DeadlineExceeded"], c.Retry.RetryOn);
        Assert.Equal(1, c.Limits.MaxFileBytes);
        Assert.Equal((false, "20Gi", "fast", "ReadWriteMany"), (c.Workspace.CreatePvc, c.Workspace.StorageSize, c.Workspace.StorageClassName, c.Workspace.AccessMode));
        Assert.False(c.Telemetry.Enabled);
        Assert.Null(c.Telemetry.OtlpEndpoint);
        Assert.Equal((100, 10), (c.Scheduling.MaxActiveRuns, c.Scheduling.MaxActiveRunsPerNamespace));
        Assert.Equal(new Dictionary<string, string> { ["critical"] = "agent-critical", ["low"] = "agent.low" }, c.Scheduling.PriorityClassNames);
    }

    [Fact]
    public void Scheduling_is_unlimited_and_sets_no_PriorityClass_by_default()
    {
        var scheduling = ControllerConfigParser.Parse("").Config!.Scheduling;

        Assert.Equal((0, 0), (scheduling.MaxActiveRuns, scheduling.MaxActiveRunsPerNamespace));
        Assert.Empty(scheduling.PriorityClassNames);
        Assert.False(scheduling.IsLimited);
    }

    [Theory]
    [InlineData("cpu: 1", "1")]
    [InlineData("cpu: 2", "2")]
    [InlineData("cpu: 0.5", "0.5")]
    [InlineData("cpu: 1.5", "1.5")]
    [InlineData("cpu: \"1\"", "1")]
    [InlineData("cpu: 500m", "500m")]
    [InlineData("cpu: '250m'", "250m")]
    [InlineData("cpu: 1e3", "1000")]
    public void Quantities_may_be_written_as_YAML_numbers(string line, string expected)
    {
        var result = ControllerConfigParser.Parse($"agent:\n  resources:\n    requests:\n      {line}\n    limits:\n      cpu: 1000\n");

        Assert.True(result.IsValid, result.Summary());
        Assert.Equal(expected, result.Config!.Agent.Resources.Requests["cpu"]);
    }

    public static TheoryData<string, string, string, string> BadConfigs => new()
    {
        { "not YAML", "job:\n  backoffLimit: 3\n   bad: [\n", "config.yaml", "line 3" },
        { "unclosed flow sequence", "job: [1, 2\n", "config.yaml", "not valid YAML at line" },
        { "duplicate key", "job:\n  backoffLimit: 1\n  backoffLimit: 2\n", "config.yaml", "backoffLimit" },
        { "two YAML documents", "job: {}\n---\njob: {}\n", "config.yaml", "one YAML document" },
        { "a scalar instead of a mapping", "hello", "config.yaml", "object" },
        { "negative job.backoffLimit", "job:\n  backoffLimit: -1\n", "job.backoffLimit", "at least 0" },
        { "job.backoffLimit over 100", "job:\n  backoffLimit: 101\n", "job.backoffLimit", "at most 100" },
        { "unknown key (typo backofLimit)", "job:\n  backofLimit: 3\n", "job.backofLimit", "not a known key" },
        { "unknown top-level key", "jobs:\n  backoffLimit: 3\n", "jobs", "not a known key" },
        { "string for an integer", "job:\n  backoffLimit: three\n", "job.backoffLimit", "integer" },
        { "quoted \"3\" for an integer", "job:\n  backoffLimit: \"3\"\n", "job.backoffLimit", "integer" },
        { "single-quoted '3' for an integer", "job:\n  backoffLimit: '3'\n", "job.backoffLimit", "integer" },
        { "a fraction for an integer", "job:\n  backoffLimit: 1.5\n", "job.backoffLimit", "integer" },
        { "job.activeDeadlineSeconds under a minute", "job:\n  activeDeadlineSeconds: 59\n", "job.activeDeadlineSeconds", "at least 60" },
        { "job.ttlSecondsAfterFinished beyond int", "job:\n  ttlSecondsAfterFinished: 99999999999\n", "job.ttlSecondsAfterFinished", "at most 2147483647" },
        { "job null", "job:\n", "job", "object" },
        { "retry.maxDelaySeconds < retry.baseDelaySeconds", "retry:\n  baseDelaySeconds: 100\n  maxDelaySeconds: 50\n", "retry.maxDelaySeconds", "below retry.baseDelaySeconds (100)" },
        { "retry.maxDelaySeconds < default baseDelaySeconds", "retry:\n  maxDelaySeconds: 5\n", "retry.maxDelaySeconds", "below retry.baseDelaySeconds (10)" },
        { "retry.maxRetries 11", "retry:\n  maxRetries: 11\n", "retry.maxRetries", "at most 10" },
        { "unknown retryOn reason", "retry:\n  retryOn: [BackoffLimitExceeded, PodFailed]\n", "retry.retryOn.1", "\"PodFailed\"" },
        { "duplicate retryOn reason", "retry:\n  retryOn: [DeadlineExceeded, DeadlineExceeded]\n", "retry.retryOn", "" },
        { "invalid quantity", "agent:\n  resources:\n    requests:\n      cpu: 1x\n", "agent.resources.requests.cpu", "\"1x\"" },
        { "negative quantity", "agent:\n  resources:\n    limits:\n      memory: -1\n", "agent.resources.limits.memory", "-1" },
        { "image with a shell substitution", "agent:\n  image: \"$(id)\"\n", "agent.image", "" },
        { "init image with a semicolon", "initContainer:\n  image: \"busybox;id\"\n", "initContainer.image", "" },
        { "allowed image with a star inside", "agent:\n  allowedImages: [\"ghcr.io/*/x\"]\n", "agent.allowedImages.0", "" },
        { "allowed image prefix without a separator", "agent:\n  allowedImages: [\"ghcr.io/org*\"]\n", "agent.allowedImages[0]", "prefix ending in /*, :* or @*" },
        { "endpoint with a newline", "telemetry:\n  otlpEndpoint: \"collector:4317\\nX-Evil: 1\"\n", "telemetry.otlpEndpoint", "" },
        { "endpoint that is no endpoint", "telemetry:\n  otlpEndpoint: \"not an endpoint\"\n", "telemetry.otlpEndpoint", "" },
        { "memory beyond any machine", "agent:\n  resources:\n    limits:\n      memory: 99999999999999999999Ei\n", "agent.resources.limits.memory", "" },
        { "cpu beyond any machine", "agent:\n  maxResources:\n    cpu: \"100000\"\n", "agent.maxResources.cpu", "between 0 and 1024 cores" },
        { "storage beyond any disk", "workspace:\n  storageSize: 2Ei\n", "workspace.storageSize", "out of range" },
        { "quantity too large for a number", "agent:\n  resources:\n    requests:\n      cpu: 1e400\n", "agent.resources.requests.cpu", "\"1e400\" is not a resource quantity" },
        { "e-notation with a binary suffix", "agent:\n  resources:\n    limits:\n      memory: 1e400Ki\n", "agent.resources.limits.memory", "" },
        { "request above its limit", "agent:\n  resources:\n    requests:\n      cpu: 3\n", "agent.resources.requests.cpu", "above the limit 2" },
        { "request above its limit in other units", "agent:\n  resources:\n    requests:\n      memory: 5Gi\n    limits:\n      memory: 4096Mi\n", "agent.resources.requests.memory", "above the limit 4096Mi" },
        { "unknown resources key", "agent:\n  resources:\n    request:\n      cpu: 1\n", "agent.resources.request", "not a known key" },
        { "limits.maxFileBytes 0", "limits:\n  maxFileBytes: 0\n", "limits.maxFileBytes", "at least 1" },
        { "limits.maxFileBytes over 1 MiB", "limits:\n  maxFileBytes: 1048577\n", "limits.maxFileBytes", "at most 1048576" },
        { "agent.image with a space", "agent:\n  image: \"ghcr.io/a b\"\n", "agent.image", "" },
        { "agent.image empty", "agent:\n  image: \"\"\n", "agent.image", "" },
        { "agent.command empty", "agent:\n  command: []\n", "agent.command", "" },
        { "agent.allowOverrides yes (a string in YAML 1.2)", "agent:\n  allowOverrides: yes\n", "agent.allowOverrides", "boolean" },
        { "secrets.name not a DNS name", "secrets:\n  name: My_Secrets\n", "secrets.name", "" },
        { "unknown workspace.accessMode", "workspace:\n  accessMode: ReadWriteSometimes\n", "workspace.accessMode", "" },
        { "telemetry.enabled a number", "telemetry:\n  enabled: 1\n", "telemetry.enabled", "boolean" },
        { "unknown telemetry.protocol", "telemetry:\n  protocol: http/json\n", "telemetry.protocol", "\"http/json\"" },
        { "unknown agent.permissionMode", "agent:\n  permissionMode: yolo\n", "agent.permissionMode", "" },
        { "agent.apiBaseUrl not a URL", "agent:\n  apiBaseUrl: \"gateway:8080\"\n", "agent.apiBaseUrl", "" },
        { "agent.apiBaseUrl with a newline", "agent:\n  apiBaseUrl: \"https://gw\\nX-Evil: 1\"\n", "agent.apiBaseUrl", "" },
        { "agent.apiBaseUrl ftp", "agent:\n  apiBaseUrl: \"ftp://gw.internal\"\n", "agent.apiBaseUrl", "" },
        { "a sink without url", "notifications:\n  sinks:\n  - types: [failed]\n", "notifications.sinks.0", "url" },
        { "a sink with an ftp url", "notifications:\n  sinks:\n  - url: ftp://events.example.com/\n", "notifications.sinks.0.url", "" },
        { "a sink url without a host", "notifications:\n  sinks:\n  - url: \"http:///path\"\n", "notifications.sinks[0].url", "absolute http:// or https:// URL with a host" },
        { "a sink url with a space", "notifications:\n  sinks:\n  - url: \"http://a b/\"\n", "notifications.sinks.0.url", "" },
        { "an unknown event type", "notifications:\n  sinks:\n  - url: http://a/\n    types: [running, started]\n", "notifications.sinks.0.types.1", "\"started\"" },
        { "an unknown sink key", "notifications:\n  sinks:\n  - url: http://a/\n    headers: {}\n", "notifications.sinks.0.headers", "not a known key" },
        { "notifications.maxAttempts 0", "notifications:\n  maxAttempts: 0\n", "notifications.maxAttempts", "at least 1" },
        { "notifications.timeoutSeconds 0", "notifications:\n  timeoutSeconds: 0\n", "notifications.timeoutSeconds", "at least 1" },
        { "notifications.maxDelaySeconds below the first delay", "notifications:\n  baseDelayMilliseconds: 5000\n  maxDelaySeconds: 2\n", "notifications.maxDelaySeconds", "below notifications.baseDelayMilliseconds (5000ms)" },
        { "negative scheduling.maxActiveRuns", "scheduling:\n  maxActiveRuns: -1\n", "scheduling.maxActiveRuns", "at least 0" },
        { "fractional scheduling.maxActiveRunsPerNamespace", "scheduling:\n  maxActiveRunsPerNamespace: 2.5\n", "scheduling.maxActiveRunsPerNamespace", "integer" },
        { "unknown priority in scheduling.priorityClassNames", "scheduling:\n  priorityClassNames:\n    urgent: agent-urgent\n", "scheduling.priorityClassNames.urgent", "not a known key" },
        { "PriorityClass name not a DNS name", "scheduling:\n  priorityClassNames:\n    high: High_Priority\n", "scheduling.priorityClassNames.high", "" },
        { "typo in scheduling key", "scheduling:\n  maxActiveRun: 3\n", "scheduling.maxActiveRun", "not a known key" },
    };

    [Fact]
    public void Notification_sinks_are_read_with_their_filters_and_are_off_by_default()
    {
        Assert.Empty(ControllerConfig.Default.Notifications.Sinks);

        var result = ControllerConfigParser.Parse("""
            notifications:
              sinks:
              - url: https://events.example.com/taskruns
                types: [succeeded, failed]
              - url: http://127.0.0.1:8080/
              maxAttempts: 3
            """);

        Assert.True(result.IsValid, result.Summary());
        var sinks = result.Config!.Notifications.Sinks;
        Assert.Equal(["https://events.example.com/taskruns", "http://127.0.0.1:8080/"], sinks.Select(s => s.Url));
        Assert.True(sinks[0].Wants("Failed"));
        Assert.False(sinks[0].Wants("Running"));
        Assert.True(sinks[1].Wants("Running"));
        Assert.Equal(3, result.Config.Notifications.MaxAttempts);
    }

    [Theory]
    [MemberData(nameof(BadConfigs))]
    public void A_bad_config_is_refused_with_an_error_naming_the_key(string caseName, string yaml, string key, string messageFragment)
    {
        var result = ControllerConfigParser.Parse(yaml);

        Assert.False(result.IsValid, $"{caseName}: accepted");
        Assert.Null(result.Config);
        Assert.Contains(result.Errors, e => e.Key == key && e.Message.Contains(messageFragment, StringComparison.Ordinal));
        Assert.StartsWith(key + ": ", result.Summary(), StringComparison.Ordinal);
    }

    [Fact]
    public void Every_schema_error_is_reported_at_once()
    {
        const string yaml = """
            job: { backoffLimit: -1, backofLimit: 2 }
            retry: { maxRetries: "3" }
            limits: { maxFileBytes: 0 }
            """;

        var result = ControllerConfigParser.Parse(yaml);

        Assert.Equal(
            ["job.backofLimit", "job.backoffLimit", "limits.maxFileBytes", "retry.maxRetries"],
            result.Errors.Select(e => e.Key).Distinct().Order(StringComparer.Ordinal));
    }

    [Fact]
    public void A_YAML_error_names_its_line_and_column()
    {
        var result = ControllerConfigParser.Parse("job:\n  backoffLimit: 3\nagent:\n  image: [unclosed\n");

        var error = Assert.Single(result.Errors);
        Assert.Equal("config.yaml", error.Key);
        Assert.Matches(@"not valid YAML at line \d+, column \d+", error.Message);
    }

    [Fact]
    public void The_cap_may_equal_the_first_delay()
    {
        var result = ControllerConfigParser.Parse("retry:\n  baseDelaySeconds: 30\n  maxDelaySeconds: 30\n");

        Assert.True(result.IsValid, result.Summary());
    }

    [Fact]
    public void The_embedded_schema_is_a_JSON_Schema_naming_every_config_key()
    {
        using var schema = JsonDocument.Parse(ControllerConfigParser.SchemaText);
        var properties = schema.RootElement.GetProperty("properties");

        foreach (var section in typeof(ControllerConfig).GetProperties().Where(p => p.CanWrite))
        {
            var sectionName = JsonNamingPolicy.CamelCase.ConvertName(section.Name);
            Assert.True(properties.TryGetProperty(sectionName, out var sectionSchema), $"schema lacks {sectionName}");
            foreach (var key in section.PropertyType.GetProperties().Where(p => p.CanWrite))
            {
                var keyName = JsonNamingPolicy.CamelCase.ConvertName(key.Name);
                Assert.True(sectionSchema.GetProperty("properties").TryGetProperty(keyName, out _), $"schema lacks {sectionName}.{keyName}");
            }
        }
    }

    [Fact]
    public void An_init_container_request_above_its_limit_is_refused_with_the_key()
    {
        var result = ControllerConfigParser.Parse("initContainer: { resources: { requests: { memory: 1Gi }, limits: { memory: 64Mi } } }");

        var error = Assert.Single(result.Errors);
        Assert.Equal("initContainer.resources.requests.memory", error.Key);
        Assert.Contains("above the limit 64Mi", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_data_key_other_than_config_yaml_is_refused_naming_it()
    {
        var result = ControllerConfigParser.ParseConfigMapData(new Dictionary<string, string> { ["config.yml"] = "job: {backoffLimit: 1}" });

        Assert.False(result.IsValid);
        var error = Assert.Single(result.Errors);
        Assert.Equal("data[config.yml]", error.Key);
        Assert.Contains("put the whole config under data[config.yaml]", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("job: {backoffLimit: \"3\"}", "job.backoffLimit: is \"3\"; expected an integer, at least 0 and at most 100")]
    [InlineData("agent: {image: \"a b\"}", "agent.image: is \"a b\"; expected an image reference without spaces")]
    [InlineData("agent: {resources: {limits: {cpu: 1x}}}", "agent.resources.limits.cpu: is \"1x\"; expected a resource quantity such as \"500m\", \"2\" or \"4Gi\"")]
    [InlineData("retry: {retryOn: [PodFailed]}", "retry.retryOn.0: is \"PodFailed\"; expected one of \"BackoffLimitExceeded\", \"DeadlineExceeded\"")]
    [InlineData("workspace: {accessMode: Sometimes}", "workspace.accessMode: is \"Sometimes\"; expected one of \"ReadWriteOnce\"")]
    [InlineData("job: {backofLimit: 3}", "job.backofLimit: is not a known key; check its spelling (known keys here: backoffLimit, activeDeadlineSeconds, ttlSecondsAfterFinished)")]
    public void Schema_errors_say_the_key_the_value_and_the_expected_form(string yaml, string expected)
    {
        var result = ControllerConfigParser.Parse(yaml);

        Assert.StartsWith(expected, result.Summary(), StringComparison.Ordinal);
        Assert.DoesNotContain("should be", result.Summary(), StringComparison.Ordinal);
        Assert.DoesNotContain("regular expression", result.Summary(), StringComparison.Ordinal);
    }

    private static void AssertSameConfig(ControllerConfig expected, ControllerConfig actual) =>
        Assert.Equal(JsonSerializer.Serialize(expected), JsonSerializer.Serialize(actual));
}
