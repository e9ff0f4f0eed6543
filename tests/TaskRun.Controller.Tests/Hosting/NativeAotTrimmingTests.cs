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
/// writes), and what YamlDotNet reflects over (the kubeconfig models) must be named in the descriptor.
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

    [Fact]
    public void The_descriptor_keeps_the_kubeconfig_models_which_are_read_by_reflection()
    {
        var descriptor = XDocument.Load(RepositoryPaths.InRoot("src/TaskRun.Controller/TrimmerRoots.xml"));
        var kept = descriptor.Descendants("assembly").Where(a => (string?)a.Attribute("fullname") == "KubernetesClient")
            .Descendants("namespace").Select(n => (string?)n.Attribute("fullname"));
        Assert.Contains("k8s.KubeConfigModels", kept);
        // Not covered by the JSON context either (exec credentials are read with KubernetesJson by reflection).
        Assert.Null(SourceGenerationContext.Default.GetTypeInfo(typeof(k8s.KubeConfigModels.ExecCredentialResponse)));
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
