using System.Text.Json.Nodes;
using TaskRun.Core.Config;

namespace TaskRun.Core.Tests.Samples;

/// <summary>The sample manifests as shipped (deploy/samples, copied next to the tests), read as JSON.</summary>
internal static class SampleFiles
{
    public const string V1 = "taskrun-v1.yaml";
    public const string V2 = "taskrun-v2.yaml";

    public static string PathOf(string fileName) => Path.Combine(AppContext.BaseDirectory, "deploy", "samples", fileName);

    public static JsonObject Load(string fileName) =>
        YamlToJson.Parse(File.ReadAllText(PathOf(fileName)))?.AsObject()
        ?? throw new InvalidDataException($"{PathOf(fileName)} holds no YAML document");
}
