using System.Text.Json.Nodes;
using TaskRun.Webhook.Admission;
using TaskRun.Webhook.Dependencies;
using TaskRun.Webhook.Tests.Support;
using Xunit;

namespace TaskRun.Webhook.Tests.Dependencies;

/// <summary>The validating webhook follows the dependsOn graph it has cached and refuses an object that closes a cycle.</summary>
public sealed class DependencyCycleAdmissionTests
{
    private sealed class FixedGraph(Dictionary<(string, string), string[]> edges) : IDependencyGraph
    {
        public bool HasSynced => true;

        public IReadOnlyList<string>? DependsOn(string ns, string name) => edges.GetValueOrDefault((ns, name));
    }

    private static readonly FixedGraph Existing = new(new()
    {
        [("team-a", "client")] = ["api"],
        [("team-a", "api")] = ["schema"],
        [("team-b", "schema")] = ["client"],
    });

    private static JsonObject TaskRun(string name, string ns, params string[] dependsOn)
    {
        var taskRun = Reviews.MinimalTaskRun(name, ns);
        taskRun["spec"]!["dependsOn"] = new JsonArray([.. dependsOn.Select(d => JsonValue.Create(d))]);
        return taskRun;
    }

    [Fact]
    public void A_TaskRun_closing_a_cycle_is_refused_with_the_cycle_named()
    {
        var handler = new ValidatingHandler(new FixedConfig(), Existing);

        var response = handler.Admit(Reviews.TaskRunRequest("CREATE", TaskRun("schema", "team-a", "client"))).Response;

        Assert.False(response.Allowed);
        var cause = Assert.Single(response.Status!.Details!.Causes!);
        Assert.Equal("spec.dependsOn", cause.Field);
        Assert.Contains("schema → client → api → schema", cause.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_update_that_closes_a_cycle_is_refused_too()
    {
        var handler = new ValidatingHandler(new FixedConfig(), Existing);
        var old = Reviews.MinimalTaskRun("schema", "team-a");

        var response = handler.Admit(Reviews.TaskRunRequest("UPDATE", TaskRun("schema", "team-a", "client"), old)).Response;

        Assert.False(response.Allowed);
        Assert.Contains("schema → client → api → schema", response.Status!.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_same_names_in_another_namespace_are_another_graph()
    {
        var handler = new ValidatingHandler(new FixedConfig(), Existing);

        Assert.True(handler.Admit(Reviews.TaskRunRequest("CREATE", TaskRun("api", "team-b", "schema"))).Response.Allowed);
        Assert.True(handler.Admit(Reviews.TaskRunRequest("CREATE", TaskRun("deploy", "team-a", "client", "api"))).Response.Allowed);
    }

    [Fact]
    public void A_dependency_that_does_not_exist_yet_is_allowed()
    {
        var handler = new ValidatingHandler(new FixedConfig(), Existing);

        Assert.True(handler.Admit(Reviews.TaskRunRequest("CREATE", TaskRun("later", "team-a", "not-yet-created"))).Response.Allowed);
    }

    [Fact]
    public void Through_v1_the_field_is_named_inside_the_v2_spec_annotation()
    {
        var handler = new ValidatingHandler(new FixedConfig(), Existing);
        var request = Reviews.TaskRunRequest("CREATE", TaskRun("schema", "team-a", "client"));
        request.RequestKind = new GroupVersionKind("orchestrator.io", "v1", "TaskRun");

        var cause = Assert.Single(handler.Admit(request).Response.Status!.Details!.Causes!);

        Assert.Equal("metadata.annotations[orchestrator.io/v2-spec].dependsOn", cause.Field);
    }
}
