using TaskRun.Core.Validation;
using Xunit;

namespace TaskRun.Core.Tests.Support;

internal static class ValidationAssert
{
    /// <summary>The result holds exactly one error, on <paramref name="field"/>, whose message contains every fragment.</summary>
    public static FieldError SingleError(ValidationResult result, string field, FieldErrorType type, params string[] messageFragments)
    {
        var error = Assert.Single(result.Errors);
        Assert.False(result.IsValid);
        Assert.Equal(field, error.Field);
        Assert.Equal(type, error.Type);
        foreach (var fragment in messageFragments)
        {
            Assert.Contains(fragment, error.Message, StringComparison.Ordinal);
        }

        return error;
    }

    public static void Valid(ValidationResult result) =>
        Assert.True(result.IsValid, "expected no errors, got: " + result.Summary());

    public static void NoErrorOn(ValidationResult result, string field) =>
        Assert.DoesNotContain(result.Errors, e => e.Field == field);
}
