using System.Diagnostics.CodeAnalysis;
using k8s;
using k8s.KubeConfigModels;
using YamlDotNet.Serialization;

namespace TaskRun.Runtime;

/// <summary>
/// Reads a kubeconfig file in the native-AOT controller. KubernetesClient's own reader (<see cref="KubernetesYaml"/>)
/// orders the model's properties by metadata token, which native AOT does not keep, so
/// <see cref="KubernetesClientConfiguration.BuildConfigFromConfigFile(string, string, string, bool)"/> throws there.
/// This reads the file with a plain YamlDotNet deserializer (the model's YamlMember names) and hands the model to
/// <see cref="KubernetesClientConfiguration.BuildConfigFromConfigObject"/>. One file, its current context.
/// </summary>
public static class KubeconfigFile
{
    /// <summary>The client configuration of the file's current context.</summary>
    [RequiresUnreferencedCode("YamlDotNet reflects over KubernetesClient's kubeconfig model: keep k8s.KubeConfigModels whole (the controller's TrimmerRoots.xml).")]
    [RequiresDynamicCode("YamlDotNet reflects over KubernetesClient's kubeconfig model.")]
    public static KubernetesClientConfiguration Load(string path)
    {
        var fullPath = Path.GetFullPath(path);
        var config = Read(File.ReadAllText(fullPath));
        // Relative certificate and key paths are resolved against the file's directory.
        config.FileName = fullPath;
        return KubernetesClientConfiguration.BuildConfigFromConfigObject(config);
    }

    [RequiresUnreferencedCode("YamlDotNet reflects over KubernetesClient's kubeconfig model.")]
    [RequiresDynamicCode("YamlDotNet reflects over KubernetesClient's kubeconfig model.")]
    internal static K8SConfiguration Read(string yaml) =>
        new DeserializerBuilder().IgnoreUnmatchedProperties().Build().Deserialize<K8SConfiguration>(yaml)
        ?? throw new k8s.Exceptions.KubeConfigException("the kubeconfig is empty");
}
