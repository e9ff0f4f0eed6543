using CsCheck;
using TaskRun.Core.Api;
using TaskRun.Core.Defaulting;
using TaskRun.Core.Serialization;
using TaskRun.Core.Tests.Support;
using TaskRun.Core.Validation;
using Xunit;

namespace TaskRun.Core.Tests.Defaulting;

/// <summary>
/// Defaulting is idempotent (applying the same manifest twice is a no-op, so GitOps tools see no perpetual diff),
/// and valid input, once defaulted, validates.
/// </summary>
public sealed class DefaultingProperties
{
    private const int Iterations = 2_000;

    [Fact]
    public void Defaulting_twice_equals_defaulting_once() =>
        TaskRunGen.AnyInput.Sample(taskRun =>
        {
            var first = TaskRunDefaulter.Default(taskRun);
            var once = KubeJson.Serialize(taskRun);

            var warnings = TaskRunDefaulter.Default(taskRun);

            Assert.Equal(once, KubeJson.Serialize(taskRun));
            // Untyped files are reported on every apply (their type is inferred, never written).
            Assert.Equal(first, warnings);
        }, iter: Iterations, print: KubeJson.Serialize);

    [Fact]
    public void Defaulting_the_stored_JSON_again_changes_nothing() =>
        TaskRunGen.ValidInput.Sample(taskRun =>
        {
            TaskRunDefaulter.Default(taskRun);
            var stored = KubeJson.Serialize(taskRun);
            var reread = KubeJson.Deserialize<V2TaskRun>(stored)!;

            TaskRunDefaulter.Default(reread);

            Assert.Equal(stored, KubeJson.Serialize(reread));
        }, iter: Iterations, print: KubeJson.Serialize);

    [Fact]
    public void Valid_input_validates_once_defaulted() =>
        TaskRunGen.ValidInput.Sample(taskRun =>
        {
            TaskRunDefaulter.Default(taskRun);

            var result = TaskRunValidator.ValidateCreate(taskRun, TaskRuns.OverridesAllowed);

            Assert.True(result.IsValid, result.Summary());
        }, iter: Iterations, print: KubeJson.Serialize);

    [Fact]
    public void Defaulting_never_writes_config_derived_values() =>
        TaskRunGen.AnyInput.Sample(taskRun =>
        {
            var before = (taskRun.Spec.TimeoutSeconds, taskRun.Spec.Retry?.MaxRetries, Agent: KubeJson.Serialize(taskRun.Spec.Agent), taskRun.Spec.Cancel);

            TaskRunDefaulter.Default(taskRun);

            Assert.Equal(before, (taskRun.Spec.TimeoutSeconds, taskRun.Spec.Retry?.MaxRetries, KubeJson.Serialize(taskRun.Spec.Agent), taskRun.Spec.Cancel));
        }, iter: Iterations, print: KubeJson.Serialize);

    [Fact]
    public void Defaulted_objects_have_a_priority_and_an_attempt_and_keep_file_types_as_given() =>
        TaskRunGen.AnyInput.Sample(taskRun =>
        {
            var typesBefore = taskRun.Spec.Files?.Select(f => f?.Type).ToList();
            TaskRunDefaulter.Default(taskRun);

            Assert.NotNull(taskRun.Spec.Priority);
            Assert.NotNull(taskRun.Spec.Retry?.Attempt);
            Assert.Equal(typesBefore, taskRun.Spec.Files?.Select(f => f?.Type).ToList());
        }, iter: Iterations, print: KubeJson.Serialize);
}
