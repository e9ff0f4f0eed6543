using System.Reflection;
using k8s.Models;
using TaskRun.Controller.Reconciliation;
using TaskRun.Core.Api;
using Xunit;

namespace TaskRun.Controller.Tests.Reconciliation;

/// <summary>Every field of the status counts as a change; only sub-second times and empty-versus-absent lists do not.</summary>
public sealed class StatusComparerTests
{
    private static readonly DateTime Time = new(2026, 11, 30, 9, 0, 0, DateTimeKind.Utc);

    public static TheoryData<string> Fields { get; } = new(typeof(TaskRunStatus).GetProperties(BindingFlags.Public | BindingFlags.Instance).Select(p => p.Name));

    [Theory]
    [MemberData(nameof(Fields))]
    public void A_change_of_any_field_is_a_change(string field)
    {
        var property = typeof(TaskRunStatus).GetProperty(field)!;
        var changed = new TaskRunStatus();
        property.SetValue(changed, AValueOf(property.PropertyType));

        Assert.False(StatusComparer.Same(new TaskRunStatus(), changed));
        Assert.False(StatusComparer.Same(changed, new TaskRunStatus()));
        Assert.True(StatusComparer.Same(changed, changed.Clone()));
    }

    [Fact]
    public void Times_count_to_the_second()
    {
        var current = new TaskRunStatus { StartTime = Time, Conditions = [Condition(Time)] };

        Assert.True(StatusComparer.Same(current, new TaskRunStatus { StartTime = Time.AddMilliseconds(999), Conditions = [Condition(Time.AddTicks(1))] }));
        Assert.False(StatusComparer.Same(current, new TaskRunStatus { StartTime = Time.AddSeconds(1), Conditions = [Condition(Time)] }));
        Assert.False(StatusComparer.Same(current, new TaskRunStatus { StartTime = Time, Conditions = [Condition(Time.AddSeconds(1))] }));
    }

    [Fact]
    public void An_empty_list_is_the_same_as_none()
    {
        Assert.True(StatusComparer.Same(new TaskRunStatus { Phase = Phases.Running }, new TaskRunStatus { Phase = Phases.Running, Dependencies = [], Notifications = [] }));
    }

    [Fact]
    public void There_is_always_something_to_write_over_no_status()
    {
        Assert.False(StatusComparer.Same(null, new TaskRunStatus()));
    }

    private static V1Condition Condition(DateTime at) => new() { Type = ConditionTypes.Succeeded, Status = "True", Reason = "Succeeded", Message = "m", LastTransitionTime = at };

    /// <summary>A value of each field type the status has; a field of a new type fails here until one is added.</summary>
    private static object AValueOf(Type type) => type switch
    {
        _ when type == typeof(string) => "changed",
        _ when type == typeof(int?) => 3,
        _ when type == typeof(long?) => 3L,
        _ when type == typeof(double?) => 0.75,
        _ when type == typeof(DateTime?) => Time,
        _ when type == typeof(List<V1Condition>) => new List<V1Condition> { Condition(Time) },
        _ when type == typeof(AgentResultStatus) => new AgentResultStatus { Run = 1 },
        _ when type == typeof(List<ObservedDependency>) => new List<ObservedDependency> { new() { Name = "a", Uid = "u" } },
        _ when type == typeof(List<PendingNotification>) => new List<PendingNotification> { new() { Id = "n", Phase = Phases.Running, Time = Time } },
        _ => throw new InvalidOperationException($"TaskRunStatus has a field of type {type}: add a value of it here"),
    };
}
