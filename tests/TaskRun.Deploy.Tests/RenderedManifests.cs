using System.Text.Json.Nodes;
using TaskRun.Core.Config;
using TaskRun.Testing;

namespace TaskRun.Deploy.Tests;

/// <summary>The objects <c>kubectl kustomize deploy/default</c> renders, as JSON.</summary>
internal static class RenderedManifests
{
    public static async Task<IReadOnlyList<JsonObject>> RenderAsync(string kustomization = "deploy/default")
    {
        var result = await ProcessRunner.RunAsync("kubectl", ["kustomize", RepositoryPaths.InRoot(kustomization)]);
        if (!result.Succeeded)
        {
            throw new InvalidOperationException($"kubectl kustomize {kustomization} failed:\n{result}");
        }

        return Split(result.StandardOutput);
    }

    public static IReadOnlyList<JsonObject> Split(string yaml) =>
        yaml.Split("\n---\n")
            .Select(document => YamlToJson.Parse(document) as JsonObject)
            .Where(o => o is not null)
            .Select(o => o!)
            .ToList();

    public static string Kind(JsonObject obj) => (string)obj["kind"]!;

    public static string Name(JsonObject obj) => (string)obj["metadata"]!["name"]!;

    public static JsonObject Single(IEnumerable<JsonObject> objects, string kind, string? name = null) =>
        objects.Single(o => Kind(o) == kind && (name is null || Name(o) == name));
}
