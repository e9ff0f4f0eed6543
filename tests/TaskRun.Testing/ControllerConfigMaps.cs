using k8s;
using k8s.Models;
using TaskRun.Core.Config;

namespace TaskRun.Testing;

/// <summary>The <c>taskrun-controller-config</c> ConfigMap both processes watch, as the tests write it.</summary>
public static class ControllerConfigMaps
{
    public static V1ConfigMap Build(string? ns, string yaml) => new()
    {
        ApiVersion = "v1",
        Kind = "ConfigMap",
        Metadata = new V1ObjectMeta { Name = ControllerConfig.ConfigMapName, NamespaceProperty = ns },
        Data = new Dictionary<string, string> { [ControllerConfig.DataKey] = yaml },
    };

    /// <summary>Creates or replaces the config of <paramref name="ns"/> by server-side apply (field manager "test").</summary>
    public static Task ApplyAsync(IKubernetes client, string ns, string yaml) =>
        client.CoreV1.PatchNamespacedConfigMapAsync(
            new V1Patch(Build(ns, yaml), V1Patch.PatchType.ApplyPatch), ControllerConfig.ConfigMapName, ns, fieldManager: "test", force: true);
}
