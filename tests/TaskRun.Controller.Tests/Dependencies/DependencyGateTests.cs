using k8s.Models;
using TaskRun.Controller.Dependencies;
using TaskRun.Core.Api;
using Xunit;

namespace TaskRun.Controller.Tests.Dependencies;

public sealed class DependencyGateTests
{
    private static V2TaskRun TaskRun(string name, string? phase = null, string? reason = null, params string[] dependsOn) => new()
    {
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = "ns", Uid = $"uid-{name}" },
        Spec = new V2TaskRunSpec { DependsOn = dependsOn.Length == 0 ? null : [.. dependsOn] },
        Status = phase is null ? null : new TaskRunStatus
        {
            Phase = phase,
            Conditions = reason is null ? null : [new V1Condition { Type = ConditionTypes.Succeeded, Status = "False", Reason = reason }],
        },
    };

    private static Func<string, V2TaskRun?> Cache(params V2TaskRun[] taskRuns) => name => taskRuns.FirstOrDefault(t => t.Metadata.Name == name);

    [Fact]
    public void No_dependencies_proceed()
    {
        Assert.Same(DependencyVerdict.NoDependencies, DependencyGate.Evaluate(TaskRun("x"), Cache()));
    }

    [Fact]
    public void All_succeeded_proceed_and_record_what_was_seen()
    {
        var verdict = DependencyGate.Evaluate(TaskRun("x", null, null, "a", "b"), Cache(TaskRun("a", Phases.Succeeded), TaskRun("b", Phases.Succeeded)));

        Assert.Equal(DependencyDecision.Proceed, verdict.Decision);
        Assert.Equal(["uid-a", "uid-b"], verdict.Observed.Select(o => o.Uid));
    }

    [Fact]
    public void Waiting_names_each_dependency_with_its_phase()
    {
        var verdict = DependencyGate.Evaluate(TaskRun("x", null, null, "a", "b", "c"), Cache(TaskRun("a", Phases.Running), TaskRun("b", Phases.Succeeded)));

        Assert.Equal(DependencyDecision.Wait, verdict.Decision);
        Assert.Equal("waiting for a (Running), c (not created yet)", verdict.Message);
    }

    [Fact]
    public void A_failure_outweighs_waiting_and_names_the_reason()
    {
        var verdict = DependencyGate.Evaluate(TaskRun("x", null, null, "a", "b"), Cache(TaskRun("a", Phases.Running), TaskRun("b", Phases.Failed, ConditionReasons.Cancelled)));

        Assert.Equal((DependencyDecision.Fail, ConditionReasons.DependencyFailed), (verdict.Decision, verdict.Reason));
        Assert.StartsWith("dependency b failed (Cancelled", verdict.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_dependency_gone_or_replaced_while_waited_on_is_deleted_but_only_during_that_wait()
    {
        var waiting = TaskRun("x", Phases.Waiting, null, "a", "b");
        waiting.Status!.Dependencies = [new ObservedDependency { Name = "a", Uid = "uid-a" }, new ObservedDependency { Name = "b", Uid = "uid-old-b" }];

        var verdict = DependencyGate.Evaluate(waiting, Cache(TaskRun("b", Phases.Running)));

        Assert.Equal((DependencyDecision.Fail, ConditionReasons.DependencyDeleted), (verdict.Decision, verdict.Reason));
        Assert.StartsWith("2 dependencies a, b deleted", verdict.Message, StringComparison.Ordinal);

        // After a failure (a new wait, e.g. a manual retry), what was seen before no longer counts.
        waiting.Status.Phase = Phases.Failed;
        Assert.Equal(DependencyDecision.Wait, DependencyGate.Evaluate(waiting, Cache(TaskRun("b", Phases.Running))).Decision);
    }

    [Fact]
    public void A_cycle_outweighs_everything()
    {
        var verdict = DependencyGate.Evaluate(TaskRun("x", null, null, "a"), Cache(TaskRun("a", Phases.Failed, "Failed", "x")));

        Assert.Equal((DependencyDecision.Fail, ConditionReasons.DependencyCycle), (verdict.Decision, verdict.Reason));
        Assert.Contains("x → a → x", verdict.Message, StringComparison.Ordinal);
    }
}
