using k8s;
using k8s.Models;
using TaskRun.Runtime;
using TaskRun.Core.Serialization;

namespace TaskRun.Controller.Tests.Reconciliation;

/// <summary>
/// What the fake writers share: the objects "on the API server", each a private copy with an increasing
/// resourceVersion, so a caller never holds the stored object itself (as with a real client).
/// </summary>
internal sealed class FakeApiServer
{
    private readonly Dictionary<(Type Kind, ObjectKey Key), IKubernetesObject<V1ObjectMeta>> objects = [];
    private long resourceVersion = 100;

    public T? Get<T>(ObjectKey key) where T : class, IKubernetesObject<V1ObjectMeta> =>
        objects.TryGetValue((typeof(T), key), out var stored) ? Copy((T)stored) : null;

    public IReadOnlyList<T> List<T>() where T : class, IKubernetesObject<V1ObjectMeta> =>
        objects.Where(o => o.Key.Kind == typeof(T)).Select(o => Copy((T)o.Value)).ToList();

    /// <summary>Stores a copy under a new resourceVersion (and a uid when it has none) and returns another copy.</summary>
    public T Put<T>(T obj) where T : class, IKubernetesObject<V1ObjectMeta>
    {
        var stored = Copy(obj);
        stored.Metadata.Uid ??= Guid.NewGuid().ToString();
        stored.Metadata.ResourceVersion = (++resourceVersion).ToString(System.Globalization.CultureInfo.InvariantCulture);
        objects[(typeof(T), ObjectKey.Of(stored))] = stored;
        return Copy(stored);
    }

    public bool Remove<T>(ObjectKey key) where T : class, IKubernetesObject<V1ObjectMeta> => objects.Remove((typeof(T), key));

    private static T Copy<T>(T obj) => KubeJson.Deserialize<T>(KubeJson.Serialize(obj))!;
}
