using k8s.Models;
using Xunit;

namespace TaskRun.Runtime.Tests;

public sealed class ObjectCacheTests
{
    private readonly ObjectCache<V1ConfigMap> cache = new();

    [Fact]
    public void A_newer_resourceVersion_replaces_the_cached_object_and_an_older_one_does_not()
    {
        Assert.True(cache.Put(Object("a", "10")));
        Assert.False(cache.Put(Object("a", "9")));
        Assert.False(cache.Put(Object("a", "10")));
        Assert.True(cache.Put(Object("a", "11")));

        Assert.Equal("11", cache.Get(new ObjectKey("ns", "a"))!.Metadata.ResourceVersion);
        Assert.Equal(1, cache.Count);
    }

    [Fact]
    public void A_resourceVersion_that_is_not_an_integer_is_taken_as_newer()
    {
        cache.Put(Object("a", "10"));

        Assert.True(cache.Put(Object("a", "opaque")));
        Assert.True(cache.Put(Object("a", "5")));
    }

    [Fact]
    public void Objects_are_stored_without_managedFields_and_listed_by_predicate()
    {
        var withFields = Object("a", "1");
        withFields.Metadata.ManagedFields = [new V1ManagedFieldsEntry { Manager = "kubectl" }];
        cache.Put(withFields);
        cache.Put(Object("b", "2"));

        Assert.Null(cache.Get(new ObjectKey("ns", "a"))!.Metadata.ManagedFields);
        Assert.Equal(["b"], cache.List(c => c.Metadata.Name == "b").Select(c => c.Metadata.Name));
        Assert.Equal(2, cache.List().Count);
        Assert.Null(cache.Get(new ObjectKey("other", "a")));
    }

    [Fact]
    public void Remove_takes_the_object_out()
    {
        cache.Put(Object("a", "1"));

        Assert.True(cache.Remove(new ObjectKey("ns", "a"), out var removed));
        Assert.Equal("a", removed!.Metadata.Name);
        Assert.Equal(0, cache.Count);
    }

    private static V1ConfigMap Object(string name, string resourceVersion) =>
        new() { Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = "ns", ResourceVersion = resourceVersion } };
}
