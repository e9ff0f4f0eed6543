using System.Text.Json.Nodes;
using TaskRun.Core.Config;

namespace TaskRun.Core.Tests.Crd;

/// <summary>The CRD manifest as shipped (deploy/crd, copied next to the tests), read as JSON.</summary>
internal sealed class CrdFile
{
    public static string FilePath { get; } = Path.Combine(AppContext.BaseDirectory, "deploy", "crd", "taskruns.orchestrator.io.yaml");

    private CrdFile(JsonObject root) => Root = root;

    public JsonObject Root { get; }

    public JsonObject Spec => Root["spec"]!.AsObject();

    public static CrdFile Load() =>
        new(YamlToJson.Parse(File.ReadAllText(FilePath))?.AsObject()
            ?? throw new InvalidDataException($"{FilePath} holds no YAML document"));

    /// <summary>The entry of <c>spec.versions</c> named <paramref name="name"/>.</summary>
    public JsonObject Version(string name) =>
        Spec["versions"]!.AsArray().OfType<JsonObject>().SingleOrDefault(v => (string?)v["name"] == name)
        ?? throw new InvalidDataException($"the CRD has no version {name}");

    /// <summary>The openAPIV3Schema of a version.</summary>
    public JsonObject Schema(string version) => Version(version)["schema"]!["openAPIV3Schema"]!.AsObject();
}
