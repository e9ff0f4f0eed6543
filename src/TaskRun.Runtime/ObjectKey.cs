using k8s;
using k8s.Models;

namespace TaskRun.Runtime;

/// <summary>namespace/name of an object: the unit of work and the cache key.</summary>
public readonly record struct ObjectKey(string Namespace, string Name)
{
    public static ObjectKey Of(IKubernetesObject<V1ObjectMeta> obj)
    {
        ArgumentNullException.ThrowIfNull(obj);
        return new(obj.Metadata.NamespaceProperty ?? "", obj.Metadata.Name);
    }

    public override string ToString() => $"{Namespace}/{Name}";
}
