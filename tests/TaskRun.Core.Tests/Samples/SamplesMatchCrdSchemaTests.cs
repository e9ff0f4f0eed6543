using System.Text.Json.Nodes;
using TaskRun.Core.Api;
using TaskRun.Core.Tests.Crd;
using Xunit;

namespace TaskRun.Core.Tests.Samples;

/// <summary>
/// The samples satisfy their version's CRD schema, checked offline with a JSON Schema evaluator (the
/// openAPIV3Schema keywords used here mean the same in JSON Schema); and that schema does refuse what the
/// API server should refuse before any webhook runs.
/// </summary>
public sealed class SamplesMatchCrdSchemaTests
{
    private static readonly CrdFile Crd = CrdFile.Load();

    public static TheoryData<string, string> SamplesAndVersions => new()
    {
        { SampleFiles.V1, TaskRunApi.V1 },
        { SampleFiles.V2, TaskRunApi.V2 },
    };

    [Theory]
    [MemberData(nameof(SamplesAndVersions))]
    public void Sample_is_valid_under_its_version_s_schema(string fileName, string version)
    {
        var errors = Evaluate(version, SampleFiles.Load(fileName));

        Assert.True(errors.Count == 0, string.Join("\n", errors));
    }

    [Theory]
    [InlineData("""{"spec":{"priority":"urgent"}}""", "/spec/priority")]
    [InlineData("""{"spec":{"taskId":0}}""", "/spec/taskId")]
    [InlineData("""{"spec":{"taskId":"1001"}}""", "/spec/taskId")]
    [InlineData("""{"spec":{"serviceName":"Auth_Service"}}""", "/spec/serviceName")]
    [InlineData("""{"spec":{"files":[]}}""", "/spec/files")]
    [InlineData("""{"spec":{"files":[{"name":"../task.md","content":""}]}}""", "/spec/files/0/name")]
    [InlineData("""{"spec":{"files":[{"name":"task.txt","content":""}]}}""", "/spec/files/0/name")]
    [InlineData("""{"spec":{"files":[{"name":"task.md"}]}}""", "/spec/files/0")]
    [InlineData("""{"spec":{"files":[{"name":"task.md","content":"","type":"notes"}]}}""", "/spec/files/0/type")]
    [InlineData("""{"spec":{"retry":{"attempt":0}}}""", "/spec/retry/attempt")]
    [InlineData("""{"spec":{"retry":{"maxRetries":11}}}""", "/spec/retry/maxRetries")]
    [InlineData("""{"spec":{"timeoutSeconds":59}}""", "/spec/timeoutSeconds")]
    [InlineData("""{"spec":{"timeoutSeconds":604801}}""", "/spec/timeoutSeconds")]
    [InlineData("""{"spec":{"agent":{"resources":{"limits":{"memory":"4GB"}}}}}""", "/spec/agent/resources/limits/memory")]
    [InlineData("""{"spec":{"cancel":"yes"}}""", "/spec/cancel")]
    [InlineData("""{"spec":{"serviceName":null}}""", "/spec")]
    [InlineData("""{"spec":null}""", "")]
    [InlineData("""{"status":{"phase":"Cancelled"}}""", "/status/phase")]
    [InlineData("""{"status":{"conditions":[{"type":"Succeeded","status":"Maybe"}]}}""", "/status/conditions/0/status")]
    [InlineData("""{"status":{"conditions":[{"status":"True"}]}}""", "/status/conditions/0")]
    [InlineData("""{"status":{"startTime":"yesterday"}}""", "/status/startTime")]
    public void V2_schema_refuses_an_invalid_TaskRun_at_the_field(string mergePatch, string location)
    {
        var taskRun = JsonMergePatch.Apply(SampleFiles.Load(SampleFiles.V2), JsonNode.Parse(mergePatch)!.AsObject());

        var errors = Evaluate(TaskRunApi.V2, taskRun);

        Assert.Contains(errors, e => e.StartsWith(location + ": ", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("""{"spec":{"agent":{"image":"ghcr.io/org/agent:1.2","resources":{"requests":{"cpu":1,"memory":"2Gi"},"limits":{"cpu":"500m"}}}}}""")]
    [InlineData("""{"spec":{"retry":{"attempt":3,"maxRetries":0},"timeoutSeconds":60,"cancel":true}}""")]
    [InlineData("""{"status":{"phase":"Running","attempt":1,"startTime":"2024-07-02T10:00:00Z","conditions":[{"type":"JobCreated","status":"True","lastTransitionTime":"2024-07-02T10:01:00.123000Z"}]}}""")]
    public void V2_schema_accepts_the_v2_only_fields_and_a_status(string mergePatch)
    {
        var taskRun = JsonMergePatch.Apply(SampleFiles.Load(SampleFiles.V2), JsonNode.Parse(mergePatch)!.AsObject());

        var errors = Evaluate(TaskRunApi.V2, taskRun);

        Assert.True(errors.Count == 0, string.Join("\n", errors));
    }

    private static IReadOnlyList<string> Evaluate(string version, JsonObject taskRun) =>
        CrdSchemaEvaluator.Errors(Crd.Schema(version), taskRun);
}
