using System.Collections.Concurrent;
using k8s;
using k8s.Models;

namespace TaskRun.Runtime;

/// <summary>
/// One shared instance of each short string that recurs across cached objects (namespaces, apiVersion and kind,
/// owner kinds, finalizers, label keys, condition types and reasons): every deserialized object otherwise carries
/// its own copies, a few dozen per object. The pool is bounded, so values that do not repeat (names, uids) cost at
/// most its size; callers intern only fields of few distinct values.
/// </summary>
public static class CacheStrings
{
    /// <summary>Distinct strings kept at most; once full, strings not yet pooled are returned as they are.</summary>
    public const int Capacity = 8192;

    /// <summary>Longer strings are not pooled (messages, JSON): they rarely repeat.</summary>
    public const int MaxLength = 128;

    private static readonly ConcurrentDictionary<string, string> Pool = new(StringComparer.Ordinal);

    /// <summary>The pooled instance equal to <paramref name="value"/> (the value itself when it is the first, or not pooled).</summary>
    public static string? Intern(string? value)
    {
        if (value is null || value.Length > MaxLength)
        {
            return value;
        }

        if (Pool.TryGetValue(value, out var pooled))
        {
            return pooled;
        }

        return Pool.Count < Capacity ? Pool.GetOrAdd(value, value) : value;
    }

    /// <summary>
    /// Interns what every kind's metadata repeats: apiVersion, kind, namespace, owner references' apiVersion and
    /// kind, finalizers and label keys. Values are unchanged (equal strings), so no reader can tell.
    /// </summary>
    public static void InternMetadata<T>(T obj)
        where T : IKubernetesObject<V1ObjectMeta>
    {
        ArgumentNullException.ThrowIfNull(obj);
        obj.ApiVersion = Intern(obj.ApiVersion);
        obj.Kind = Intern(obj.Kind);
        var metadata = obj.Metadata;
        if (metadata is null)
        {
            return;
        }

        metadata.NamespaceProperty = Intern(metadata.NamespaceProperty);
        if (metadata.OwnerReferences is { } owners)
        {
            foreach (var owner in owners)
            {
                owner.ApiVersion = Intern(owner.ApiVersion);
                owner.Kind = Intern(owner.Kind);
            }
        }

        if (metadata.Finalizers is { } finalizers)
        {
            for (var i = 0; i < finalizers.Count; i++)
            {
                finalizers[i] = Intern(finalizers[i])!;
            }
        }

        if (metadata.Labels is { Count: > 0 } labels)
        {
            metadata.Labels = labels.ToDictionary(l => Intern(l.Key)!, l => l.Value, StringComparer.Ordinal);
        }
    }
}
