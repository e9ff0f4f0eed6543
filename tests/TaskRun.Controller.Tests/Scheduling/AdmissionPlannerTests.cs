using TaskRun.Runtime;
using TaskRun.Controller.Scheduling;
using TaskRun.Core.Config;
using Xunit;

namespace TaskRun.Controller.Tests.Scheduling;

/// <summary>The queue order (priority, then namespace fairness, then age, then name) and who the limits admit.</summary>
public sealed class AdmissionPlannerTests
{
    private static readonly DateTime T0 = new(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);
    private static readonly Dictionary<string, int> NoneActive = [];

    [Fact]
    public void Higher_priority_goes_first_however_old_the_others_are()
    {
        var plan = Plan(Limit(1), NoneActive,
            Candidate("a", "old-low", "low", 0), Candidate("a", "old-medium", "medium", 1), Candidate("a", "new-critical", "critical", 9), Candidate("a", "high", "high", 5));

        Assert.Equal(["new-critical", "high", "old-medium", "old-low"], Names(plan));
        Assert.True(plan.Places[0].Admitted);
        Assert.All(plan.Places.Skip(1), p => Assert.False(p.Admitted));
        Assert.Equal([1, 2, 3], plan.Places.Skip(1).Select(p => p.Position));
    }

    [Fact]
    public void At_equal_priority_the_namespace_with_fewer_active_runs_goes_first_then_the_older()
    {
        var active = new Dictionary<string, int> { ["busy"] = 2, ["quiet"] = 0 };

        var plan = Plan(Limit(3), active,
            Candidate("busy", "busy-oldest", "high", 0), Candidate("quiet", "quiet-newer", "high", 5), Candidate("quiet", "quiet-newest", "high", 6));

        // quiet (0 active) first; after its pick quiet has 1 vs busy 2, so quiet again; at max 3 active nothing more is admitted.
        Assert.Equal(["quiet-newer", "quiet-newest", "busy-oldest"], Names(plan));
        Assert.Equal([true, false, false], plan.Places.Select(p => p.Admitted));
    }

    [Fact]
    public void Equal_namespaces_take_turns_and_age_breaks_ties()
    {
        var plan = Plan(Limit(0, perNamespace: 0), NoneActive,
            Candidate("a", "a1", "medium", 0), Candidate("a", "a2", "medium", 1), Candidate("a", "a3", "medium", 2),
            Candidate("b", "b1", "medium", 3), Candidate("b", "b2", "medium", 4));

        Assert.Equal(["a1", "b1", "a2", "b2", "a3"], Names(plan));
        Assert.All(plan.Places, p => Assert.True(p.Admitted));
    }

    [Fact]
    public void At_equal_age_the_name_decides_so_every_replica_computes_the_same_order()
    {
        var plan = Plan(Limit(1), NoneActive, Candidate("a", "zeta", "low", 0), Candidate("a", "alpha", "low", 0));

        Assert.Equal(["alpha", "zeta"], Names(plan));
    }

    [Fact]
    public void A_full_namespace_holds_only_its_own_runs_and_others_take_the_free_slots()
    {
        var active = new Dictionary<string, int> { ["full"] = 1 };

        var plan = Plan(Limit(3, perNamespace: 1), active,
            Candidate("full", "full-critical", "critical", 0), Candidate("other", "other-low", "low", 1), Candidate("other", "other-low-2", "low", 2));

        var full = plan.Find(new ObjectKey("full", "full-critical"))!;
        Assert.False(full.Admitted);
        Assert.Equal(QueueHold.Namespace, full.HeldBy);
        Assert.True(plan.Find(new ObjectKey("other", "other-low"))!.Admitted);
        var second = plan.Find(new ObjectKey("other", "other-low-2"))!;
        Assert.False(second.Admitted);
        Assert.Equal(QueueHold.Namespace, second.HeldBy);
        Assert.Equal(2, plan.QueuedCount);
    }

    [Fact]
    public void The_cluster_limit_counts_every_namespace_and_names_itself_as_the_hold()
    {
        var active = new Dictionary<string, int> { ["a"] = 1, ["b"] = 1 };

        var plan = Plan(Limit(2), active, Candidate("c", "c1", "critical", 0));

        Assert.Equal(new QueuePlace(plan.Places[0].Candidate, false, 1, QueueHold.Cluster), plan.Places[0]);
        Assert.Equal("queued at position 1 of 1: scheduling.maxActiveRuns (2) is reached",
            QueueStatus.Message(plan.Places[0], plan.QueuedCount, Limit(2), "c"));
    }

    [Fact]
    public void Lowering_the_limit_below_the_active_count_admits_nothing_and_stops_nothing()
    {
        var active = new Dictionary<string, int> { ["a"] = 5 };

        var plan = Plan(Limit(2), active, Candidate("a", "x", "critical", 0), Candidate("b", "y", "critical", 0));

        Assert.All(plan.Places, p => Assert.False(p.Admitted));
        Assert.Equal([1, 2], plan.Places.Select(p => p.Position));
    }

    [Fact]
    public void The_order_is_total_and_does_not_depend_on_the_input_order()
    {
        var random = new Random(16);
        var priorities = new[] { "low", "medium", "high", "critical" };
        var candidates = Enumerable.Range(0, 300)
            .Select(i => Candidate($"ns-{random.Next(5)}", $"run-{random.Next(40)}-{i}", priorities[random.Next(4)], random.Next(20)))
            .ToList();
        var active = Enumerable.Range(0, 5).ToDictionary(i => $"ns-{i}", _ => random.Next(4));
        var order = new AdmissionOrder(active);

        foreach (var x in candidates.Take(60))
        {
            foreach (var y in candidates.Take(60))
            {
                Assert.Equal(Math.Sign(order.Compare(x, y)), -Math.Sign(order.Compare(y, x)));
                Assert.Equal(ReferenceEquals(x, y), order.Compare(x, y) == 0);
            }
        }

        var expected = Names(Plan(Limit(7, perNamespace: 3), active, [.. candidates]));
        for (var i = 0; i < 5; i++)
        {
            var shuffled = candidates.OrderBy(_ => random.Next()).ToArray();
            Assert.Equal(expected, Names(Plan(Limit(7, perNamespace: 3), active, shuffled)));
        }
    }

    [Fact]
    public void The_plan_never_admits_beyond_either_limit()
    {
        var random = new Random(3);
        var priorities = new[] { "low", "medium", "high", "critical" };
        for (var round = 0; round < 200; round++)
        {
            var limits = Limit(random.Next(0, 8), perNamespace: random.Next(0, 4));
            var active = Enumerable.Range(0, 4).ToDictionary(i => $"ns-{i}", _ => random.Next(3));
            var candidates = Enumerable.Range(0, random.Next(0, 30))
                .Select(i => Candidate($"ns-{random.Next(4)}", $"run-{i}", priorities[random.Next(4)], random.Next(10)))
                .ToArray();

            var plan = Plan(limits, active, candidates);

            var admitted = plan.Places.Where(p => p.Admitted).ToList();
            if (limits.MaxActiveRuns > 0)
            {
                Assert.True(active.Values.Sum() + admitted.Count <= Math.Max(limits.MaxActiveRuns, active.Values.Sum()));
            }

            if (limits.MaxActiveRunsPerNamespace > 0)
            {
                foreach (var group in admitted.GroupBy(p => p.Candidate.Namespace))
                {
                    Assert.True(active[group.Key] + group.Count() <= Math.Max(limits.MaxActiveRunsPerNamespace, active[group.Key]));
                }
            }

            // Work-conserving: a queued run is held by a limit that is really full.
            var queued = plan.Places.Where(p => !p.Admitted).ToList();
            if (queued.Count > 0 && queued.All(p => p.HeldBy == QueueHold.Cluster))
            {
                Assert.Equal(Math.Max(limits.MaxActiveRuns, active.Values.Sum()), active.Values.Sum() + admitted.Count);
            }

            Assert.Equal(Enumerable.Range(1, queued.Count), queued.Select(p => p.Position));
        }
    }

    private static SchedulingConfig Limit(int max, int perNamespace = 0) => new() { MaxActiveRuns = max, MaxActiveRunsPerNamespace = perNamespace };

    private static RunCandidate Candidate(string ns, string name, string priority, int minute) =>
        new(new ObjectKey(ns, name), $"uid-{ns}-{name}", priority, T0.AddMinutes(minute));

    private static AdmissionPlan Plan(SchedulingConfig limits, Dictionary<string, int> active, params RunCandidate[] candidates) =>
        AdmissionPlanner.Plan(candidates, active, limits);

    private static List<string> Names(AdmissionPlan plan) => plan.Places.Select(p => p.Candidate.Key.Name).ToList();
}
