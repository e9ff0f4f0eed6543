using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using System.Text.Json.Serialization;
using System.Xml.Linq;
using k8s;
using k8s.Models;
using TaskRun.Testing;
using Xunit;

namespace TaskRun.Controller.Tests.Hosting;

/// <summary>
/// The native-AOT controller keeps of KubernetesClient only what its code calls and what TrimmerRoots.xml names. A
/// model read or written by reflection would lose its trimmed properties without an error, so every model our
/// assemblies use must come from KubernetesClient's source-generated JSON context (which keeps what it reads and
/// writes), and what is read by reflection (watch events, the kubeconfig models) must be named in the descriptor.
/// The process tests run the published executable, which is where a missing entry shows (a watch that delivers
/// empty events).
/// </summary>
public sealed class NativeAotTrimmingTests
{
    private static readonly string[] OurAssemblies = ["TaskRun.Controller", "TaskRun.Core", "TaskRun.Runtime"];

    [Fact]
    public void Every_KubernetesClient_model_our_assemblies_use_has_source_generated_JSON_metadata()
    {
        var models = OurAssemblies.SelectMany(ModelsReferencedBy).Distinct().ToList();

        Assert.Contains(typeof(V1Job), models);
        Assert.Contains(typeof(V1ObjectMeta), models);
        var notGenerated = models.Where(t => SourceGenerationContext.Default.GetTypeInfo(t) is null).Select(t => t.FullName);
        Assert.Empty(notGenerated);
    }

    /// <summary>
    /// The types other than models that KubernetesClient 21 (de)serializes on the paths the controller takes: a watch
    /// event's envelope, read first with KubernetesObject to look for a Status, and an exec plugin's credentials.
    /// </summary>
    public static TheoryData<Type, string> ReadByReflection => new()
    {
        { typeof(KubernetesObject), "type k8s.KubernetesObject" },
        { typeof(Watcher<V1Job>.WatchEvent), "type k8s.Watcher`1/WatchEvent" },
        { typeof(Watcher<KubernetesObject>.WatchEvent), "type k8s.Watcher`1/WatchEvent" },
        { typeof(k8s.KubeConfigModels.ExecCredentialResponse), "namespace k8s.KubeConfigModels" },
        { typeof(k8s.KubeConfigModels.K8SConfiguration), "namespace k8s.KubeConfigModels" },
    };

    [Theory]
    [MemberData(nameof(ReadByReflection))]
    public void The_descriptor_keeps_what_KubernetesClient_reads_by_reflection(Type type, string entry)
    {
        var descriptor = XDocument.Load(RepositoryPaths.InRoot("src/TaskRun.Controller/TrimmerRoots.xml"));
        var client = descriptor.Descendants("assembly").Single(a => (string?)a.Attribute("fullname") == "KubernetesClient");
        var entries = client.Elements().Select(e => $"{e.Name.LocalName} {(string?)e.Attribute("fullname")}");

        Assert.Null(SourceGenerationContext.Default.GetTypeInfo(type));
        Assert.Contains(entry, entries);
    }

    /// <summary>The k8s.Models types an assembly's metadata refers to, but the JSON converters and attributes there.</summary>
    private static IEnumerable<Type> ModelsReferencedBy(string assemblyName)
    {
        var modelsAssembly = typeof(V1Job).Assembly;
        using var stream = File.OpenRead(Path.Combine(AppContext.BaseDirectory, assemblyName + ".dll"));
        using var pe = new PEReader(stream);
        var metadata = pe.GetMetadataReader();
        var found = new List<Type>();
        foreach (var handle in metadata.TypeReferences)
        {
            var reference = metadata.GetTypeReference(handle);
            if (metadata.GetString(reference.Namespace) != "k8s.Models")
            {
                continue;
            }

            var type = modelsAssembly.GetType("k8s.Models." + metadata.GetString(reference.Name), throwOnError: true)!;
            if (!typeof(JsonConverter).IsAssignableFrom(type) && !typeof(Attribute).IsAssignableFrom(type) && !type.IsInterface)
            {
                found.Add(type);
            }
        }

        return found;
    }
}
