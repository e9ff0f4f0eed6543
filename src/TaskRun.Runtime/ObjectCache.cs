using System.Collections.Concurrent;
using k8s;
using k8s.Models;

namespace TaskRun.Runtime;

/// <summary>
/// The informer's in-memory copy of one kind, read by reconciles instead of the API server. Objects are
/// stored without managedFields (often the largest part of an object, and never needed here), and with the strings
/// every object repeats (namespace, apiVersion, kind, owner kinds, finalizers, label keys) shared: <see cref="CacheStrings"/>.
/// </summary>
public sealed class ObjectCache<T> where T : IKubernetesObject<V1ObjectMeta>
{
    private readonly ConcurrentDictionary<ObjectKey, T> objects = new();

    public int Count => objects.Count;

    public T? Get(ObjectKey key) => objects.TryGetValue(key, out var value) ? value : default;

    public IReadOnlyList<T> List() => objects.Values.ToList();

    public IReadOnlyList<T> List(Func<T, bool> predicate) => objects.Values.Where(predicate).ToList();

    /// <summary>
    /// Stores <paramref name="obj"/> unless the cache already holds a newer version of it (our own writes are
    /// put in at once, and the watch may then deliver an older event). Returns whether it was stored.
    /// </summary>
    public bool Put(T obj)
    {
        ArgumentNullException.ThrowIfNull(obj);
        obj.Metadata.ManagedFields = null;
        CacheStrings.InternMetadata(obj);
        var key = ObjectKey.Of(obj);
        while (true)
        {
            if (!objects.TryGetValue(key, out var current))
            {
                if (objects.TryAdd(key, obj))
                {
                    return true;
                }

                continue;
            }

            if (!IsNewer(obj, current))
            {
                return false;
            }

            if (objects.TryUpdate(key, obj, current))
            {
                return true;
            }
        }
    }

    /// <summary>
    /// resourceVersions are opaque, but every API server we talk to (etcd-backed) issues increasing integers;
    /// when either is not an integer, the incoming object wins, as it would without this check.
    /// </summary>
    private static bool IsNewer(T incoming, T current) =>
        !long.TryParse(incoming.Metadata.ResourceVersion, out var next) ||
        !long.TryParse(current.Metadata.ResourceVersion, out var have) ||
        next > have;

    /// <summary>Takes the object out (the informer does on a delete; tests do to stand in for a watch).</summary>
    public bool Remove(ObjectKey key, out T? removed) => objects.TryRemove(key, out removed);

    internal IReadOnlyCollection<ObjectKey> Keys => objects.Keys.ToList();
}
