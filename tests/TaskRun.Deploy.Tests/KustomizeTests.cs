using System.Text.Json.Nodes;
using TaskRun.Testing;
using Xunit;
using Xunit.Abstractions;
using static TaskRun.Deploy.Tests.RenderedManifests;

namespace TaskRun.Deploy.Tests;

/// <summary>deploy/default renders, the API server accepts what it knows, and cert-manager wiring agrees across objects.</summary>
[Collection(DeployTests.Name)]
public sealed class KustomizeTests(KubernetesFixture fixture, ITestOutputHelper output)
{
    /// <summary>Kinds the 1.20 test API server does not serve: cert-manager's, and policy/v1 (1.21+).</summary>
    private static readonly string[] KindsUnknownToTheTestServer = ["Certificate", "Issuer", "PodDisruptionBudget"];

    private const string Kubernetes120Overlay = "deploy/overlays/kubernetes-1.20";

    [Fact]
    public async Task The_default_kustomization_renders_every_concern()
    {
        var objects = await RenderAsync();
        var counts = objects.GroupBy(Kind).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => $"{g.Key}: {g.Count()}");
        output.WriteLine($"{objects.Count} objects: {string.Join(", ", counts)}");

        foreach (var kind in new[] { "Namespace", "CustomResourceDefinition", "ServiceAccount", "ClusterRole", "Role", "Issuer", "Certificate",
            "Deployment", "Service", "PodDisruptionBudget", "MutatingWebhookConfiguration", "ValidatingWebhookConfiguration", "ConfigMap" })
        {
            Assert.Contains(objects, o => Kind(o) == kind);
        }

        Assert.All(objects.Where(o => o["metadata"]!["namespace"] is not null), o => Assert.Equal("orchestrator", (string)o["metadata"]!["namespace"]!));
    }

    [Fact]
    public async Task Every_rendered_object_of_a_kind_the_API_server_knows_passes_a_server_side_dry_run() =>
        await DryRunEveryObjectAsync(await RenderAsync(), KindsUnknownToTheTestServer);

    /// <summary>The supported range starts at 1.20: the overlay for it installs everything but cert-manager's kinds.</summary>
    [Fact]
    public async Task The_Kubernetes_1_20_overlay_passes_a_server_side_dry_run_on_a_1_20_API_server_PodDisruptionBudget_included() =>
        await DryRunEveryObjectAsync(await RenderAsync(Kubernetes120Overlay), ["Certificate", "Issuer"]);

    [Fact]
    public async Task The_Kubernetes_1_20_overlay_differs_from_the_default_only_in_the_PodDisruptionBudget_apiVersion()
    {
        var defaults = await RenderAsync();
        var overlay = await RenderAsync(Kubernetes120Overlay);

        Assert.Equal(defaults.Count, overlay.Count);
        for (var i = 0; i < defaults.Count; i++)
        {
            var expected = defaults[i].DeepClone().AsObject();
            if (Kind(expected) == "PodDisruptionBudget")
            {
                Assert.Equal("policy/v1", (string?)expected["apiVersion"]);
                expected["apiVersion"] = "policy/v1beta1";
            }

            Assert.True(JsonNode.DeepEquals(expected, overlay[i]), $"{Kind(expected)}/{Name(expected)} differs:\n{overlay[i].ToJsonString()}");
        }
    }

    private Task DryRunEveryObjectAsync(IReadOnlyList<JsonObject> objects, IEnumerable<string> kindsUnknownToTheServer) =>
        ServerDryRun.EveryObjectAsync(fixture, objects, kindsUnknownToTheServer);

    [Fact]
    public async Task Certificate_Service_webhook_configurations_and_CRD_conversion_agree_on_names()
    {
        var objects = await RenderAsync();
        var service = Single(objects, "Service", "taskrun-webhook");
        var serviceName = Name(service);
        var serviceNamespace = (string)service["metadata"]!["namespace"]!;
        var certificate = Single(objects, "Certificate");
        var issuer = Single(objects, "Issuer");
        var deployment = Single(objects, "Deployment", "taskrun-webhook");
        var expectedInjection = $"{(string)certificate["metadata"]!["namespace"]!}/{Name(certificate)}";

        Assert.Equal([$"{serviceName}.{serviceNamespace}.svc", $"{serviceName}.{serviceNamespace}.svc.cluster.local"],
            certificate["spec"]!["dnsNames"]!.AsArray().Select(n => (string)n!));
        Assert.Equal(Name(issuer), (string)certificate["spec"]!["issuerRef"]!["name"]!);

        var secretName = (string)certificate["spec"]!["secretName"]!;
        var volumes = deployment["spec"]!["template"]!["spec"]!["volumes"]!.AsArray();
        Assert.Contains(volumes, v => (string?)v!["secret"]?["secretName"] == secretName);

        var httpsPort = service["spec"]!["ports"]!.AsArray().Single(p => (long)p!["port"]! == 443);
        var containerPorts = deployment["spec"]!["template"]!["spec"]!["containers"]![0]!["ports"]!.AsArray();
        Assert.Contains(containerPorts, p => (string?)p!["name"] == (string?)httpsPort!["targetPort"]);

        var crd = Single(objects, "CustomResourceDefinition");
        var clients = new List<(string Where, JsonNode ClientConfig)> { ("CRD conversion", crd["spec"]!["conversion"]!["webhook"]!["clientConfig"]!) };
        foreach (var configuration in objects.Where(o => Kind(o) is "MutatingWebhookConfiguration" or "ValidatingWebhookConfiguration"))
        {
            Assert.Equal(expectedInjection, (string)configuration["metadata"]!["annotations"]!["cert-manager.io/inject-ca-from"]!);
            clients.AddRange(configuration["webhooks"]!.AsArray().Select(w => ($"{Kind(configuration)} {(string)w!["name"]!}", w!["clientConfig"]!)));
        }

        Assert.Equal(expectedInjection, (string)crd["metadata"]!["annotations"]!["cert-manager.io/inject-ca-from"]!);
        Assert.Equal(4, clients.Count);
        foreach (var (where, client) in clients)
        {
            Assert.True((string?)client["service"]?["name"] == serviceName, $"{where} points at service {client["service"]?["name"]}");
            Assert.True((string?)client["service"]?["namespace"] == serviceNamespace, $"{where} points at namespace {client["service"]?["namespace"]}");
            Assert.Null(client["url"]);
        }
    }

    [Fact]
    public async Task The_system_namespace_is_excluded_from_TaskRun_admission_and_is_the_only_one_whose_config_is_validated()
    {
        var objects = await RenderAsync();
        var webhooks = objects.Where(o => Kind(o) is "MutatingWebhookConfiguration" or "ValidatingWebhookConfiguration")
            .SelectMany(o => o["webhooks"]!.AsArray()).ToList();

        var configWebhook = webhooks.Single(w => (string)w!["name"]! == "config.taskrun.orchestrator.io");
        Assert.Equal("orchestrator", (string)configWebhook!["namespaceSelector"]!["matchLabels"]!["kubernetes.io/metadata.name"]!);
        foreach (var webhook in webhooks.Where(w => w != configWebhook))
        {
            Assert.Equal(["v2"], webhook!["rules"]![0]!["apiVersions"]!.AsArray().Select(v => (string)v!));
            Assert.Equal("Equivalent", (string)webhook["matchPolicy"]!);
            Assert.Equal("None", (string)webhook["sideEffects"]!);
            Assert.Equal("Fail", (string)webhook["failurePolicy"]!);
            var excluded = webhook["namespaceSelector"]!["matchExpressions"]![0]!;
            Assert.Equal(("kubernetes.io/metadata.name", "NotIn"), ((string)excluded["key"]!, (string)excluded["operator"]!));
            Assert.Equal(["orchestrator", "kube-system", "kube-public", "kube-node-lease"], excluded["values"]!.AsArray().Select(v => (string)v!));
        }
    }
}
