using k8s.Models;
using TaskRun.Runtime;
using TaskRun.Runtime.Tests.Fakes;
using Xunit;

namespace TaskRun.Runtime.Tests;

/// <summary>A list read page by page: every continue token followed, each page slimmed before the next is read.</summary>
public sealed class PagedListTests
{
    [Fact]
    public async Task Every_page_is_read_in_order_and_slimmed_before_the_next_one_is_asked_for()
    {
        var pages = new Dictionary<string, Page<string>>
        {
            [""] = new(["a", "b"], "token-1", "100"),
            ["token-1"] = new(["c", "d"], "token-2", "100"),
            ["token-2"] = new(["e"], null, "100"),
        };
        var log = new List<string>();

        var list = await PagedList.ReadAsync(token =>
        {
            log.Add($"read {token ?? "first"}");
            return Task.FromResult(pages[token ?? ""]);
        }, item =>
        {
            log.Add($"slim {item}");
            return item.ToUpperInvariant();
        });

        Assert.Equal(["A", "B", "C", "D", "E"], list.Items);
        Assert.Equal("100", list.ResourceVersion);
        Assert.Equal(["read first", "slim a", "slim b", "read token-1", "slim c", "slim d", "read token-2", "slim e"], log);
    }

    [Fact]
    public async Task An_empty_continue_token_ends_the_list()
    {
        var reads = 0;
        var list = await PagedList.ReadAsync(_ =>
        {
            reads++;
            return Task.FromResult(new Page<int>([], "", "7"));
        }, x => x);

        Assert.Equal(1, reads);
        Assert.Empty(list.Items);
        Assert.Equal("7", list.ResourceVersion);
    }

    [Fact]
    public async Task A_paged_client_drops_managedFields_before_slimming_so_no_listed_object_keeps_them()
    {
        var withFields = new V1ConfigMap
        {
            Metadata = new V1ObjectMeta { Name = "a", NamespaceProperty = "ns", ManagedFields = [new V1ManagedFieldsEntry { Manager = "kubectl" }] },
        };
        var seenBySlim = new List<IList<V1ManagedFieldsEntry>?>();
        var client = new PagedResourceClient<V1ConfigMap>(
            new ScriptedResourceClient(),
            (_, _) => Task.FromResult(new Page<V1ConfigMap>([withFields], null, "5")),
            obj =>
            {
                seenBySlim.Add(obj.Metadata.ManagedFields);
                return obj;
            });

        var list = await client.ListAsync(CancellationToken.None);

        Assert.Null(Assert.Single(list.Items).Metadata.ManagedFields);
        Assert.Equal([null], seenBySlim);
    }
}
