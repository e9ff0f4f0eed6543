using TaskRun.Core.Dependencies;
using Xunit;

namespace TaskRun.Core.Tests.Dependencies;

public sealed class DependencyGraphTests
{
    private static Func<string, IReadOnlyList<string>?> Graph(params (string Name, string[] DependsOn)[] taskRuns)
    {
        var edges = taskRuns.ToDictionary(t => t.Name, t => (IReadOnlyList<string>)t.DependsOn);
        return name => edges.GetValueOrDefault(name);
    }

    [Fact]
    public void A_chain_has_no_cycle()
    {
        var graph = Graph(("c", ["b"]), ("b", ["a"]), ("a", []));

        Assert.Null(DependencyGraph.FindCycle("c", graph));
        Assert.Null(DependencyGraph.FindCycle("a", graph));
    }

    [Fact]
    public void A_diamond_has_no_cycle()
    {
        var graph = Graph(("d", ["b", "c"]), ("b", ["a"]), ("c", ["a"]), ("a", []));

        Assert.Null(DependencyGraph.FindCycle("d", graph));
    }

    [Fact]
    public void Dependencies_that_do_not_exist_end_the_search()
    {
        Assert.Null(DependencyGraph.FindCycle("b", Graph(("b", ["missing", "also-missing"]))));
    }

    [Fact]
    public void A_cycle_through_the_start_is_named_in_dependency_order()
    {
        var graph = Graph(("a", ["b"]), ("b", ["c"]), ("c", ["a"]));

        var cycle = DependencyGraph.FindCycle("a", graph);

        Assert.Equal(["a", "b", "c", "a"], cycle);
        Assert.Equal("a → b → c → a", DependencyGraph.Describe(cycle!));
        Assert.Equal(["c", "a", "b", "c"], DependencyGraph.FindCycle("c", graph));
    }

    [Fact]
    public void The_shortest_cycle_is_reported()
    {
        var graph = Graph(("a", ["long", "b"]), ("long", ["x"]), ("x", ["y"]), ("y", ["a"]), ("b", ["a"]));

        Assert.Equal(["a", "b", "a"], DependencyGraph.FindCycle("a", graph));
    }

    [Fact]
    public void A_self_dependency_is_a_cycle_of_one()
    {
        Assert.Equal(["a", "a"], DependencyGraph.FindCycle("a", Graph(("a", ["a"]))));
    }

    [Fact]
    public void A_cycle_elsewhere_does_not_involve_the_start_and_does_not_loop_forever()
    {
        var graph = Graph(("start", ["x"]), ("x", ["y"]), ("y", ["x"]));

        Assert.Null(DependencyGraph.FindCycle("start", graph));
    }

    [Fact]
    public void A_long_chain_back_to_the_start_is_found()
    {
        var edges = Enumerable.Range(0, 10_000).ToDictionary(i => $"n{i}", i => (IReadOnlyList<string>)[$"n{(i + 1) % 10_000}"]);

        var cycle = DependencyGraph.FindCycle("n0", name => edges.GetValueOrDefault(name));

        Assert.Equal(10_001, cycle!.Count);
        Assert.Equal("n9999", cycle[^2]);
    }
}
