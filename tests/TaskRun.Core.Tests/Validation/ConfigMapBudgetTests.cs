using System.Globalization;
using System.Text;
using TaskRun.Core.Api;
using TaskRun.Core.Payload;
using TaskRun.Core.Tests.Support;
using TaskRun.Core.Validation;
using Xunit;

namespace TaskRun.Core.Tests.Validation;

/// <summary>
/// The ConfigMap budget: a run's whole ConfigMap (files + generated CLAUDE.md + metadata.yaml, keys and values in
/// UTF-8 bytes) must fit the API server's 1 MiB. Sizes here are computed independently of the validator, with
/// <see cref="RunPayloadBuilder"/> for the largest run number the budget must cover (attempt + max retries).
/// </summary>
public sealed class ConfigMapBudgetTests
{
    private const int MiB = SpecLimits.ConfigMapBudgetBytes;

    [Fact]
    public void Files_that_fit_alone_are_rejected_when_the_generated_files_push_the_ConfigMap_over()
    {
        var taskRun = TaskRuns.Valid();
        taskRun.Spec.Files =
        [
            new TaskFile { Name = "part-1.md", Type = FileTypes.Context, Content = new string('a', 600_000) },
            new TaskFile { Name = "part-2.md", Type = FileTypes.Context, Content = "" },
        ];
        // Fill the second file so that the files alone (keys + values) are 10 bytes under 1 MiB.
        var filesOnly = FilesOnlyBytes(taskRun);
        taskRun.Spec.Files[1].Content = new string('b', checked((int)(MiB - 10 - filesOnly)));
        Assert.Equal(MiB - 10, FilesOnlyBytes(taskRun));
        Assert.All(taskRun.Spec.Files, f => Assert.True(Encoding.UTF8.GetByteCount(f.Content!) <= SpecLimits.DefaultMaxFileBytes));

        var expectedSize = PayloadBytes(taskRun);
        Assert.True(expectedSize > MiB);

        var result = TaskRunValidator.ValidateCreate(taskRun, ValidationPolicy.Default);

        ValidationAssert.SingleError(result, "spec.files", FieldErrorType.TooLong,
            $"would be {Bytes(expectedSize)}",
            "the files plus the generated CLAUDE.md and metadata.yaml",
            "ConfigMap limit of 1,048,576 bytes",
            $"by {Bytes(expectedSize - MiB)}",
            "move content out of the TaskRun or split it across TaskRuns");
    }

    public static TheoryData<string, int, bool> Boundaries => new()
    {
        { "ASCII content, payload exactly 1 MiB", 0, true },
        { "ASCII content, payload 1 MiB + 1 byte", 1, false },
        { "ASCII content, payload 1 MiB + 100 bytes", 100, false },
    };

    [Theory]
    [MemberData(nameof(Boundaries))]
    public void The_whole_payload_may_be_exactly_1_MiB(string caseName, int bytesOver, bool accepted)
    {
        var taskRun = TaskRunWithPayloadOf(MiB + bytesOver, multiByte: false);

        var result = TaskRunValidator.ValidateCreate(taskRun, ValidationPolicy.Default);

        Assert.True(result.IsValid == accepted, $"{caseName}: {(result.IsValid ? "accepted" : "refused")}");
        if (accepted)
        {
            ValidationAssert.Valid(result);
            Assert.Contains(result.Warnings, w => w.StartsWith("spec.files: the run's ConfigMap would be 1,048,576 bytes, close to", StringComparison.Ordinal));
        }
        else
        {
            ValidationAssert.SingleError(result, "spec.files", FieldErrorType.TooLong, $"by {Bytes(bytesOver)}");
        }
    }

    [Theory]
    [InlineData(0, true)]
    [InlineData(1, false)]
    public void The_budget_counts_UTF8_bytes_of_multi_byte_content(int bytesOver, bool accepted)
    {
        var taskRun = TaskRunWithPayloadOf(MiB + bytesOver, multiByte: true);
        var content = taskRun.Spec.Files![1].Content!;
        Assert.True(content.Length < Encoding.UTF8.GetByteCount(content));

        var result = TaskRunValidator.ValidateCreate(taskRun, ValidationPolicy.Default);

        Assert.Equal(accepted, result.IsValid);
    }

    [Theory]
    [InlineData(943_718, false)]
    [InlineData(943_719, true)]
    public void A_payload_above_90_percent_of_the_budget_gets_a_warning(int payloadBytes, bool warned)
    {
        var taskRun = TaskRunWithPayloadOf(payloadBytes, multiByte: false);

        var result = TaskRunValidator.ValidateCreate(taskRun, ValidationPolicy.Default);

        ValidationAssert.Valid(result);
        var budgetWarnings = result.Warnings.Where(w => w.StartsWith("spec.files:", StringComparison.Ordinal)).ToList();
        if (warned)
        {
            var warning = Assert.Single(budgetWarnings);
            Assert.Contains(Bytes(payloadBytes), warning, StringComparison.Ordinal);
            Assert.Contains("1,048,576 bytes", warning, StringComparison.Ordinal);
        }
        else
        {
            Assert.Empty(budgetWarnings);
        }
    }

    [Fact]
    public void The_budget_covers_the_run_numbers_automatic_retries_can_reach()
    {
        // Exactly 1 MiB for the largest run of attempt 5 (run 15): fine. Raising the attempt to 95 makes the
        // largest run 105, one more digit in every CLAUDE.md import and in metadata.yaml: over.
        var taskRun = TaskRunWithPayloadOf(MiB, multiByte: false, attempt: 5);
        ValidationAssert.Valid(TaskRunValidator.ValidateCreate(taskRun, ValidationPolicy.Default));

        taskRun.Spec.Retry!.Attempt = 95;
        var expected = PayloadBytes(taskRun);
        Assert.True(expected > MiB);

        var result = TaskRunValidator.ValidateCreate(taskRun, ValidationPolicy.Default);

        ValidationAssert.SingleError(result, "spec.files", FieldErrorType.TooLong, $"by {Bytes(expected - MiB)}");
    }

    [Fact]
    public void With_generateName_the_budget_counts_the_5_characters_the_API_server_appends()
    {
        var taskRun = TaskRunWithPayloadOf(MiB, multiByte: false);
        taskRun.Metadata.GenerateName = taskRun.Metadata.Name![..^5];
        taskRun.Metadata.Name = null;
        ValidationAssert.Valid(TaskRunValidator.ValidateCreate(taskRun, ValidationPolicy.Default));

        taskRun.Metadata.GenerateName += "x";

        var result = TaskRunValidator.ValidateCreate(taskRun, ValidationPolicy.Default);

        ValidationAssert.SingleError(result, "spec.files", FieldErrorType.TooLong, "by 1 byte");
    }

    [Fact]
    public void The_budget_is_not_checked_while_other_errors_exist()
    {
        var taskRun = TaskRunWithPayloadOf(MiB + 1, multiByte: false);
        taskRun.Spec.Priority = "urgent";

        var result = TaskRunValidator.ValidateCreate(taskRun, ValidationPolicy.Default);

        ValidationAssert.SingleError(result, "spec.priority", FieldErrorType.NotSupported);
    }

    /// <summary>A valid TaskRun (task.md plus a large context file) whose largest run's ConfigMap is exactly <paramref name="payloadBytes"/>.</summary>
    private static V2TaskRun TaskRunWithPayloadOf(long payloadBytes, bool multiByte, int attempt = 1)
    {
        var taskRun = TaskRuns.Valid();
        taskRun.Spec.Retry!.Attempt = attempt;
        taskRun.Spec.Files =
        [
            new TaskFile { Name = "task.md", Type = FileTypes.Task, Content = "# Task" },
            new TaskFile { Name = "context.md", Type = FileTypes.Context, Content = "" },
        ];
        var missing = payloadBytes - PayloadBytes(taskRun);
        taskRun.Spec.Files[1].Content = multiByte
            ? new string('€', checked((int)(missing / 3))) + new string('a', (int)(missing % 3))
            : TaskRuns.AsciiOfBytes(missing);
        Assert.Equal(payloadBytes, PayloadBytes(taskRun));
        return taskRun;
    }

    private static long PayloadBytes(V2TaskRun taskRun)
    {
        var name = taskRun.Metadata.Name ?? taskRun.Metadata.GenerateName + "xxxxx";
        var forSizing = TaskRuns.Clone(taskRun);
        forSizing.Metadata.Name = name;
        var largestRun = (taskRun.Spec.Retry?.Attempt ?? 1) + SpecLimits.MaxMaxRetries;
        var data = RunPayloadBuilder.Build(forSizing, largestRun).ToDictionary();
        return data.Sum(e => (long)Encoding.UTF8.GetBytes(e.Key).Length + Encoding.UTF8.GetBytes(e.Value).Length);
    }

    private static long FilesOnlyBytes(V2TaskRun taskRun) =>
        taskRun.Spec.Files!.Sum(f => (long)Encoding.UTF8.GetByteCount(f.Name!) + Encoding.UTF8.GetByteCount(f.Content!));

    private static string Bytes(long count) =>
        count.ToString("N0", CultureInfo.InvariantCulture) + (count == 1 ? " byte" : " bytes");
}
