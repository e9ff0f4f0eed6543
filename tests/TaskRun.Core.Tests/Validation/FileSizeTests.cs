using System.Globalization;
using System.Text;
using TaskRun.Core.Api;
using TaskRun.Core.Tests.Support;
using TaskRun.Core.Validation;
using Xunit;

namespace TaskRun.Core.Tests.Validation;

/// <summary>The 1 MiB file check: each file's content, counted in UTF-8 bytes (not characters), against limits.maxFileBytes.</summary>
public sealed class FileSizeTests
{
    private const int MiB = 1_048_576;

    private sealed record SizeCase(Func<string> Content, long ExpectedBytes, bool Accepted);

    private static readonly Dictionary<string, SizeCase> Cases = new()
    {
        ["ASCII, exactly 1,048,576 bytes"] = new(() => new string('a', MiB), MiB, true),
        ["ASCII, 1,048,577 bytes"] = new(() => new string('a', MiB + 1), MiB + 1, false),
        ["'é' (2 bytes) x 524,288: 1,048,576 bytes in 524,288 chars"] = new(() => new string('é', MiB / 2), MiB, true),
        ["'é' x 524,288 + 'a': 1,048,577 bytes in 524,289 chars"] = new(() => new string('é', MiB / 2) + "a", MiB + 1, false),
        ["'€' (3 bytes) x 349,525 + 'a': 1,048,576 bytes"] = new(() => new string('€', 349_525) + "a", MiB, true),
        ["'€' x 349,525 + 'é': 1,048,577 bytes in 349,526 chars"] = new(() => new string('€', 349_525) + "é", MiB + 1, false),
        ["'😀' (4 bytes, 2 chars) x 262,144: 1,048,576 bytes"] = new(() => Repeat("😀", MiB / 4), MiB, true),
        ["'😀' x 262,144 + 'a': 1,048,577 bytes"] = new(() => Repeat("😀", MiB / 4) + "a", MiB + 1, false),
        ["'é' x 600,000: 1,200,000 bytes though only 600,000 chars"] = new(() => new string('é', 600_000), 1_200_000, false),
    };

    public static TheoryData<string> CaseNames => new(Cases.Keys);

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void Content_is_measured_in_UTF8_bytes_against_the_1_MiB_limit(string caseName)
    {
        var sizeCase = Cases[caseName];
        var content = sizeCase.Content();
        Assert.Equal(sizeCase.ExpectedBytes, Encoding.UTF8.GetByteCount(content));

        var result = TaskRunValidator.ValidateCreate(TaskRuns.WithSingleFile(content), ValidationPolicy.Default);

        if (sizeCase.Accepted)
        {
            // The file itself is within the limit; a file this large cannot fit the run's ConfigMap together
            // with the generated files, which is the budget check's error, on spec.files.
            ValidationAssert.NoErrorOn(result, "spec.files[0].content");
            Assert.All(result.Errors, e => Assert.Equal("spec.files", e.Field));
        }
        else
        {
            ValidationAssert.SingleError(result, "spec.files[0].content", FieldErrorType.TooLong,
                $"is {Bytes(sizeCase.ExpectedBytes)} in UTF-8",
                "over the limit of 1,048,576 bytes",
                "limits.maxFileBytes",
                $"by {Bytes(sizeCase.ExpectedBytes - MiB)}",
                "split the file or keep it outside the TaskRun");
        }
    }

    [Theory]
    [InlineData(1000, 900, false, false)]
    [InlineData(1000, 901, false, true)]
    [InlineData(1000, 1000, false, true)]
    [InlineData(1000, 1001, true, false)]
    [InlineData(1, 0, false, false)]
    [InlineData(1, 1, false, true)]
    [InlineData(1, 2, true, false)]
    [InlineData(MiB, 943_718, false, false)]
    [InlineData(MiB, 943_719, false, true)]
    public void The_limit_comes_from_the_policy_and_a_file_near_it_gets_a_warning(long maxFileBytes, int contentBytes, bool rejected, bool warned)
    {
        var policy = ValidationPolicy.Default with { MaxFileBytes = maxFileBytes };

        var result = TaskRunValidator.ValidateCreate(TaskRuns.WithSingleFile(TaskRuns.AsciiOfBytes(contentBytes)), policy);

        var contentErrors = result.Errors.Where(e => e.Field == "spec.files[0].content").ToList();
        if (rejected)
        {
            var error = Assert.Single(contentErrors);
            Assert.Contains($"over the limit of {Bytes(maxFileBytes)}", error.Message, StringComparison.Ordinal);
        }
        else
        {
            Assert.Empty(contentErrors);
        }

        var fileWarnings = result.Warnings.Where(w => w.StartsWith("spec.files[0].content:", StringComparison.Ordinal)).ToList();
        if (warned)
        {
            var warning = Assert.Single(fileWarnings);
            Assert.Contains($"close to the limit of {Bytes(maxFileBytes)}", warning, StringComparison.Ordinal);
        }
        else
        {
            Assert.Empty(fileWarnings);
        }
    }

    [Fact]
    public void Every_oversized_file_is_reported_not_just_the_first()
    {
        var taskRun = TaskRuns.Valid();
        var policy = ValidationPolicy.Default with { MaxFileBytes = 10 };
        taskRun.Spec.Files![0].Content = new string('a', 11);
        taskRun.Spec.Files![1].Content = new string('a', 10);
        taskRun.Spec.Files![2].Content = new string('€', 4);

        var result = TaskRunValidator.ValidateCreate(taskRun, policy);

        Assert.Equal(["spec.files[0].content", "spec.files[2].content"], result.Errors.Select(e => e.Field));
        Assert.All(result.Errors, e => Assert.Equal(FieldErrorType.TooLong, e.Type));
    }

    private static string Repeat(string text, int count) => new StringBuilder(text.Length * count).Insert(0, text, count).ToString();

    private static string Bytes(long count) =>
        count.ToString("N0", CultureInfo.InvariantCulture) + (count == 1 ? " byte" : " bytes");
}
