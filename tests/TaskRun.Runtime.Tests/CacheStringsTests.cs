using k8s.Models;
using Xunit;

namespace TaskRun.Runtime.Tests;

public sealed class CacheStringsTests
{
    [Fact]
    public void Equal_short_strings_come_back_as_one_instance_and_long_ones_as_they_are()
    {
        var first = new string("orchestrator.io/v2".AsSpan());
        var second = new string("orchestrator.io/v2".AsSpan());
        Assert.NotSame(first, second);

        Assert.Same(CacheStrings.Intern(first), CacheStrings.Intern(second));
        Assert.Null(CacheStrings.Intern(null));
        var message = new string('x', CacheStrings.MaxLength + 1);
        Assert.Same(message, CacheStrings.Intern(message));
    }

    [Fact]
    public void Cached_objects_share_their_repeated_metadata_strings_and_keep_every_value()
    {
        var cache = new ObjectCache<V1Job>();
        cache.Put(Job("a"));
        cache.Put(Job("b"));

        var a = cache.Get(new ObjectKey("team-a", "a"))!;
        var b = cache.Get(new ObjectKey("team-a", "b"))!;
        Assert.Same(a.Metadata.NamespaceProperty, b.Metadata.NamespaceProperty);
        Assert.Same(a.ApiVersion, b.ApiVersion);
        Assert.Same(a.Metadata.OwnerReferences[0].Kind, b.Metadata.OwnerReferences[0].Kind);
        Assert.Same(a.Metadata.Finalizers[0], b.Metadata.Finalizers[0]);
        Assert.Same(a.Metadata.Labels.Keys.Single(), b.Metadata.Labels.Keys.Single());

        // Nothing but the instances changed.
        Assert.Equal(("batch/v1", "Job", "team-a"), (a.ApiVersion, a.Kind, a.Metadata.NamespaceProperty));
        Assert.Equal(("orchestrator.io/v2", "TaskRun", "owner-a", "uid-a", true),
            (a.Metadata.OwnerReferences[0].ApiVersion, a.Metadata.OwnerReferences[0].Kind, a.Metadata.OwnerReferences[0].Name,
                a.Metadata.OwnerReferences[0].Uid, a.Metadata.OwnerReferences[0].Controller));
        Assert.Equal(["example.com/finalizer"], a.Metadata.Finalizers);
        Assert.Equal(new Dictionary<string, string> { ["app"] = "value-a" }, a.Metadata.Labels);
    }

    // Each string built at run time, as the deserializer does, so equal strings start out as different instances.
    private static V1Job Job(string name) => new()
    {
        ApiVersion = Fresh("batch/v1"),
        Kind = Fresh("Job"),
        Metadata = new V1ObjectMeta
        {
            Name = name,
            NamespaceProperty = Fresh("team-a"),
            ResourceVersion = "1",
            Finalizers = [Fresh("example.com/finalizer")],
            Labels = new Dictionary<string, string> { [Fresh("app")] = Fresh("value-" + name) },
            OwnerReferences = [new V1OwnerReference { ApiVersion = Fresh("orchestrator.io/v2"), Kind = Fresh("TaskRun"), Name = "owner-" + name, Uid = "uid-" + name, Controller = true }],
        },
    };

    private static string Fresh(string value) => new(value.AsSpan());
}
