using System.Text.Json.Nodes;
using TaskRun.Core.Api;
using Xunit;

namespace TaskRun.Core.Tests.Crd;

/// <summary>The CRD's identity, versions, subresources and conversion.</summary>
public sealed class CrdNamesAndVersionsTests
{
    private static readonly CrdFile Crd = CrdFile.Load();

    [Fact]
    public void It_is_a_v1_CustomResourceDefinition_named_after_plural_and_group()
    {
        Assert.Equal("apiextensions.k8s.io/v1", (string?)Crd.Root["apiVersion"]);
        Assert.Equal("CustomResourceDefinition", (string?)Crd.Root["kind"]);
        Assert.Equal($"{TaskRunApi.Plural}.{TaskRunApi.Group}", (string?)Crd.Root["metadata"]!["name"]);
        Assert.Equal(TaskRunApi.Group, (string?)Crd.Spec["group"]);
        Assert.Equal("Namespaced", (string?)Crd.Spec["scope"]);
    }

    [Theory]
    [InlineData("kind", TaskRunApi.Kind)]
    [InlineData("listKind", TaskRunApi.ListKind)]
    [InlineData("plural", TaskRunApi.Plural)]
    [InlineData("singular", TaskRunApi.Singular)]
    public void Names_match_TaskRunApi(string field, string expected) =>
        Assert.Equal(expected, (string?)Crd.Spec["names"]![field]);

    [Fact]
    public void Short_name_is_otr_not_Tekton_s_tr_and_the_category_is_orchestrator()
    {
        Assert.Equal([TaskRunApi.ShortName], Strings(Crd.Spec["names"]!["shortNames"]));
        Assert.Equal([TaskRunApi.Category], Strings(Crd.Spec["names"]!["categories"]));
    }

    [Fact]
    public void Both_versions_are_served_and_v2_alone_is_stored()
    {
        var versions = Crd.Spec["versions"]!.AsArray().Select(v => ((string?)v!["name"], (bool?)v["served"], (bool?)v["storage"]));

        Assert.Equal([(TaskRunApi.V1, true, false), (TaskRunApi.V2, true, true)], versions);
    }

    [Theory]
    [InlineData(TaskRunApi.V1)]
    [InlineData(TaskRunApi.V2)]
    public void Each_version_has_the_status_subresource_and_no_scale(string version)
    {
        var subresources = Crd.Version(version)["subresources"]!.AsObject();

        Assert.Equal(["status"], subresources.Select(s => s.Key));
        Assert.Empty(subresources["status"]!.AsObject());
    }

    [Theory]
    [InlineData(TaskRunApi.V1)]
    [InlineData(TaskRunApi.V2)]
    public void The_spec_is_required_and_nothing_is_left_unpruned(string version)
    {
        var schema = Crd.Schema(version);

        Assert.Equal(["spec"], Strings(schema["required"]));
        Assert.DoesNotContain(SchemaNodes.All(schema), n => n.Node.ContainsKey("x-kubernetes-preserve-unknown-fields"));
        Assert.NotEqual(true, (bool?)Crd.Spec["preserveUnknownFields"]);
    }

    [Fact]
    public void Conversion_goes_through_the_webhook_service_with_ConversionReview_v1()
    {
        var conversion = Crd.Spec["conversion"]!;
        var webhook = conversion["webhook"]!;
        var service = webhook["clientConfig"]!["service"]!;

        Assert.Equal("Webhook", (string?)conversion["strategy"]);
        Assert.Equal(["v1"], Strings(webhook["conversionReviewVersions"]));
        Assert.Equal("orchestrator", (string?)service["namespace"]);
        Assert.Equal("taskrun-webhook", (string?)service["name"]);
        Assert.Equal("/convert", (string?)service["path"]);
        Assert.Equal(443L, (long?)service["port"]);
    }

    [Fact]
    public void Nothing_newer_than_Kubernetes_1_20_is_used()
    {
        // CEL validation rules arrived in 1.23 (beta 1.25); the test API server is 1.20.2 and would reject them.
        foreach (var version in Crd.Spec["versions"]!.AsArray())
        {
            var schema = version!["schema"]!["openAPIV3Schema"]!.AsObject();
            Assert.DoesNotContain(SchemaNodes.All(schema), n => n.Node.ContainsKey("x-kubernetes-validations"));
            Assert.False(version.AsObject().ContainsKey("selectableFields"), "selectableFields needs Kubernetes 1.30");
        }
    }

    [Fact]
    public void Kustomization_lists_the_CRD()
    {
        var kustomization = TaskRun.Core.Config.YamlToJson.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "deploy", "crd", "kustomization.yaml")))!;

        Assert.Equal([Path.GetFileName(CrdFile.FilePath)], Strings(kustomization["resources"]));
    }

    private static List<string?> Strings(JsonNode? array) => [.. array!.AsArray().Select(v => (string?)v)];
}
