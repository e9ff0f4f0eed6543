using System.Text.Json.Nodes;
using TaskRun.Testing;
using Xunit;
using Xunit.Abstractions;
using static TaskRun.Deploy.Tests.RenderedManifests;

namespace TaskRun.Deploy.Tests;

/// <summary>deploy/monitoring: renders, reads only metrics the code defines, its rules pass promtool, and its NetworkPolicies the API server.</summary>
[Collection(DeployTests.Name)]
public sealed class MonitoringTests(KubernetesFixture fixture, ITestOutputHelper output)
{
    private const string Monitoring = "deploy/monitoring";

    [Fact]
    public async Task The_monitoring_kustomization_renders_policies_scrape_config_rules_and_dashboard_and_is_not_in_the_default()
    {
        var objects = await RenderAsync(Monitoring);

        Assert.Equal(["ConfigMap", "NetworkPolicy", "NetworkPolicy", "PrometheusRule", "ServiceMonitor"], objects.Select(Kind).Order());
        Assert.All(objects, o => Assert.Equal("orchestrator", (string)o["metadata"]!["namespace"]!));
        var dashboard = Single(objects, "ConfigMap", "taskrun-grafana-dashboard");
        Assert.Equal("1", (string)dashboard["metadata"]!["labels"]!["grafana_dashboard"]!);
        Assert.NotEmpty(JsonNode.Parse((string)dashboard["data"]!["grafana-dashboard.json"]!)!["panels"]!.AsArray());

        var defaults = await RenderAsync();
        Assert.DoesNotContain(defaults, o => Kind(o) is "NetworkPolicy" or "ServiceMonitor" or "PrometheusRule");
    }

    [Fact]
    public async Task Every_metric_an_alert_or_dashboard_query_reads_is_defined_in_the_source()
    {
        var defined = MetricNames.DefinedInSource();
        var queries = await QueriesAsync();
        Assert.True(queries.Count >= 6, $"only {queries.Count} queries found");

        var unknown = queries.SelectMany(q => MetricNames.ReadBy(q.Expr).Where(n => !defined.Contains(n)).Select(n => $"{q.Where}: {n}")).ToList();
        var read = queries.SelectMany(q => MetricNames.ReadBy(q.Expr)).Distinct().Order().ToList();
        output.WriteLine($"{queries.Count} queries read {read.Count} metrics: {string.Join(", ", read)}");
        Assert.True(unknown.Count == 0, "metrics no process defines:\n" + string.Join("\n", unknown));
        Assert.All(queries, q => Assert.NotEmpty(MetricNames.ReadBy(q.Expr)));
    }

    [Fact]
    public void The_metric_name_check_finds_names_and_can_fail()
    {
        Assert.Equal(["taskrun_made_up_total"],
            MetricNames.ReadBy("""sum by (le, result) (rate(taskrun_made_up_total{job="x",result!~"a|b"}[$__rate_interval])) > 0.1 and on(job) vector(1)"""));
        Assert.Equal(["a_total", "b_seconds"], MetricNames.ReadBy("a_total / ignoring(code) b_seconds - time() < 14 * 24 * 3600").Order());

        var defined = MetricNames.DefinedInSource();
        Assert.DoesNotContain("taskrun_made_up_total", defined);
        Assert.Contains("taskrun_webhook_request_duration_seconds_bucket", defined);
        Assert.Contains("leader_election_master_status", defined);
    }

    [Fact]
    public async Task The_alert_rules_pass_promtool_check_rules_and_cover_each_failure()
    {
        var rule = Single(await RenderAsync(Monitoring), "PrometheusRule");
        var alerts = rule["spec"]!["groups"]!.AsArray().SelectMany(g => g!["rules"]!.AsArray()).Select(r => (string)r!["alert"]!).ToList();
        Assert.Equal(["TaskRunControllerLeaderAbsent", "TaskRunReconcileErrors", "TaskRunWebhookCertificateExpiresSoon", "TaskRunWebhookErrors",
            "TaskRunWebhookLatencyHigh", "TaskRunWorkQueueDepthHigh"], alerts.Order());

        var file = Path.Combine(Directory.CreateTempSubdirectory("rules-").FullName, "rules.json");
        await File.WriteAllTextAsync(file, new JsonObject { ["groups"] = rule["spec"]!["groups"]!.DeepClone() }.ToJsonString());
        var checkedRules = await ProcessRunner.RunAsync("bash", [RepositoryPaths.InRoot("hack", "promtool.sh"), "check", "rules", file], timeout: TimeSpan.FromMinutes(5));
        Directory.Delete(Path.GetDirectoryName(file)!, recursive: true);
        Assert.True(checkedRules.Succeeded, checkedRules.ToString());
        Assert.Contains("SUCCESS: 6 rules found", checkedRules.StandardOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_NetworkPolicies_and_ServiceMonitor_select_the_Pods_ports_and_Services_deploy_default_creates()
    {
        var system = await RenderAsync();
        var monitoring = await RenderAsync(Monitoring);
        foreach (var policy in monitoring.Where(o => Kind(o) == "NetworkPolicy"))
        {
            var podLabel = (string)policy["spec"]!["podSelector"]!["matchLabels"]!["app.kubernetes.io/name"]!;
            var deployment = Single(system, "Deployment", podLabel);
            Assert.Equal(podLabel, (string)deployment["spec"]!["template"]!["metadata"]!["labels"]!["app.kubernetes.io/name"]!);
            var containerPorts = deployment["spec"]!["template"]!["spec"]!["containers"]![0]!["ports"]!.AsArray().Select(p => (string)p!["name"]!).ToList();
            var rules = policy["spec"]!["ingress"]!.AsArray();
            Assert.All(rules.SelectMany(r => r!["ports"]!.AsArray()), p => Assert.Contains((string)p!["port"]!, containerPorts));

            // Every port the container serves is covered, and only the webhook's review port is open to all.
            Assert.Equal(containerPorts.Order(), rules.SelectMany(r => r!["ports"]!.AsArray()).Select(p => (string)p!["port"]!).Order());
            foreach (var ingress in rules)
            {
                var open = ingress!["from"] is null;
                Assert.Equal(open, podLabel == "taskrun-webhook" && (string)ingress["ports"]![0]!["port"]! == "https");
                if (!open)
                {
                    Assert.Equal("true", (string)ingress["from"]![0]!["namespaceSelector"]!["matchLabels"]!["orchestrator.io/monitoring"]!);
                }
            }
        }

        var serviceMonitor = Single(monitoring, "ServiceMonitor");
        var selected = serviceMonitor["spec"]!["selector"]!["matchExpressions"]![0]!["values"]!.AsArray().Select(v => (string)v!).ToHashSet();
        var scrapedServices = system.Where(o => Kind(o) == "Service" && selected.Contains((string)o["metadata"]!["labels"]!["app.kubernetes.io/name"]!)).ToList();
        Assert.Equal(["taskrun-controller-metrics", "taskrun-webhook"], scrapedServices.Select(Name).Order());
        Assert.All(scrapedServices, s => Assert.Contains(s["spec"]!["ports"]!.AsArray(), p => (string)p!["name"]! == "metrics"));
    }

    [Fact]
    public async Task The_NetworkPolicies_pass_a_server_side_dry_run_and_the_Prometheus_Operator_kinds_are_the_only_unknown_ones()
    {
        var ns = await fixture.KubectlAsync("apply", "-f", RepositoryPaths.InRoot("deploy", "default", "namespace.yaml"));
        Assert.True(ns.Succeeded, ns.ToString());

        await ServerDryRun.EveryObjectAsync(fixture, await RenderAsync(Monitoring), ["PrometheusRule", "ServiceMonitor"]);
        await ServerDryRun.EveryObjectAsync(fixture, await RenderAsync("deploy/monitoring/network-policies"), []);
    }

    private static async Task<IReadOnlyList<(string Where, string Expr)>> QueriesAsync()
    {
        var objects = await RenderAsync(Monitoring);
        var rules = Single(objects, "PrometheusRule")["spec"]!["groups"]!.AsArray()
            .SelectMany(g => g!["rules"]!.AsArray())
            .Select(r => ($"alert {(string)r!["alert"]!}", (string)r["expr"]!));
        var dashboard = JsonNode.Parse((string)Single(objects, "ConfigMap", "taskrun-grafana-dashboard")["data"]!["grafana-dashboard.json"]!)!;
        var panels = dashboard["panels"]!.AsArray()
            .SelectMany(p => p!["targets"]!.AsArray().Select(t => ($"panel {(string)p["title"]!}", (string)t!["expr"]!)));
        return rules.Concat(panels).ToList();
    }
}
