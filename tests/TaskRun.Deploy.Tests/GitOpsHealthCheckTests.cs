using System.Text.Json.Nodes;
using NLua;
using TaskRun.Testing;
using Xunit;
using YamlDotNet.RepresentationModel;

namespace TaskRun.Deploy.Tests;

/// <summary>
/// The README's Argo CD health check (Lua) and Flux health expressions (CEL), taken from the README itself and
/// run against TaskRuns in every state, so the documented snippets cannot drift from the status they read.
/// </summary>
public sealed class GitOpsHealthCheckTests
{
    public static TheoryData<string, string, string> States => new()
    {
        // name, TaskRun (JSON), expected verdict (Argo CD status; Flux's is derived from it)
        { "pending: no status yet", """{"metadata":{"generation":1},"status":{}}""", "Progressing" },
        { "running", Status(1, 1, "Unknown", "Running"), "Progressing" },
        { "succeeded", Status(1, 1, "True", "Succeeded"), "Healthy" },
        { "failed", Status(1, 1, "False", "BackoffLimitExceeded"), "Degraded" },
        { "edited, not yet seen by the controller", Status(2, 1, "True", "Succeeded"), "Progressing" },
    };

    [Theory]
    [MemberData(nameof(States))]
    public void The_Argo_CD_Lua_health_check_reads_Ready_at_the_current_generation(string name, string taskRun, string expected)
    {
        using var lua = new Lua();
        // Argo CD hands the script the object as a Lua table named obj.
        lua.DoString("obj = " + LuaTable(JsonNode.Parse(taskRun)));

        var result = (LuaTable)lua.DoString(ArgoCdScript())[0];

        Assert.True(expected == (string)result["status"], $"{name}: Argo CD would say {result["status"]} ({result["message"]})");
        if (expected == "Degraded")
        {
            Assert.Equal("BackoffLimitExceeded: details", (string)result["message"]);
        }
    }

    [Theory]
    [MemberData(nameof(States))]
    public void The_Flux_health_expressions_read_Ready_at_the_current_generation(string name, string taskRun, string expected)
    {
        var expressions = FluxExpressions();
        var cel = new Cel.CelEnvironment([], "");
        var variables = (Dictionary<string, object?>)CelValue(JsonNode.Parse(taskRun))!;
        bool Holds(string expression) => cel.Program(expressions[expression], variables) is true;

        // Flux's order: in progress, then failed, then current.
        var verdict = Holds("inProgress") ? "Progressing" : Holds("failed") ? "Degraded" : Holds("current") ? "Healthy" : "Progressing";

        Assert.True(expected == verdict, $"{name}: Flux would say {verdict}");
    }

    private static string Status(int generation, int observed, string ready, string reason) => $$$"""
        {"metadata":{"generation":{{{generation}}}},
         "status":{"phase":"x","observedGeneration":{{{observed}}},"conditions":[
           {"type":"Succeeded","status":"{{{ready}}}","reason":"{{{reason}}}","message":"{{{reason}}}: details","observedGeneration":{{{observed}}}},
           {"type":"Ready","status":"{{{ready}}}","reason":"{{{reason}}}","message":"{{{reason}}}: details","observedGeneration":{{{observed}}}}]}}
        """;

    /// <summary>The Lua under <c>resource.customizations.health.orchestrator.io_TaskRun</c> in the README.</summary>
    private static string ArgoCdScript()
    {
        var yaml = CodeBlockAfter("Argo CD health check");
        var data = (YamlMappingNode)Load(yaml)["data"];
        return ((YamlScalarNode)data["resource.customizations.health.orchestrator.io_TaskRun"]).Value!;
    }

    /// <summary>The README's Flux <c>healthCheckExprs</c> entry for TaskRuns.</summary>
    private static Dictionary<string, string> FluxExpressions()
    {
        var yaml = CodeBlockAfter("Flux (`Kustomization`");
        var spec = (YamlMappingNode)Load(yaml)["spec"];
        var entry = (YamlMappingNode)((YamlSequenceNode)spec["healthCheckExprs"]).Single();
        Assert.Equal("TaskRun", ((YamlScalarNode)entry["kind"]).Value);
        return entry.Children.ToDictionary(p => ((YamlScalarNode)p.Key).Value!, p => ((YamlScalarNode)p.Value).Value!);
    }

    private static YamlMappingNode Load(string yaml)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(yaml));
        return (YamlMappingNode)stream.Documents[0].RootNode;
    }

    private static string CodeBlockAfter(string heading)
    {
        var readme = File.ReadAllText(RepositoryPaths.InRoot("README.md"));
        var at = readme.IndexOf(heading, StringComparison.Ordinal);
        Assert.True(at >= 0, $"README has no \"{heading}\"");
        var start = readme.IndexOf("```yaml\n", at, StringComparison.Ordinal) + "```yaml\n".Length;
        var end = readme.IndexOf("```", start, StringComparison.Ordinal);
        return readme[start..end];
    }

    private static string LuaTable(JsonNode? node) => node switch
    {
        JsonObject o => "{" + string.Join(", ", o.Select(p => $"[\"{p.Key}\"] = {LuaTable(p.Value)}")) + "}",
        JsonArray a => "{" + string.Join(", ", a.Select(LuaTable)) + "}",
        JsonValue v when v.TryGetValue<string>(out var s) => "\"" + s.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"",
        JsonValue v when v.TryGetValue<bool>(out var b) => b ? "true" : "false",
        JsonValue v => v.ToJsonString(),
        _ => "nil",
    };

    /// <summary>JSON as the CEL evaluator takes an unstructured object: maps, lists, strings, int64s, booleans.</summary>
    private static object? CelValue(JsonNode? node) => node switch
    {
        JsonObject o => o.ToDictionary(p => p.Key, p => CelValue(p.Value)),
        JsonArray a => a.Select(CelValue).ToList(),
        JsonValue v when v.TryGetValue<string>(out var s) => s,
        JsonValue v when v.TryGetValue<bool>(out var b) => b,
        JsonValue v => v.GetValue<long>(),
        _ => null,
    };
}
