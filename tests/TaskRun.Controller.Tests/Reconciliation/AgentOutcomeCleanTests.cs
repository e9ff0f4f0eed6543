using System.Text;
using TaskRun.Controller.Reconciliation;
using Xunit;

namespace TaskRun.Controller.Tests.Reconciliation;

public sealed class AgentOutcomeCleanTests
{
    [Theory]
    [InlineData("done", "done")]
    [InlineData("  line one\nline two\r\n\tthree  ", "line one line two three")]
    [InlineData("\u001b[31mred\u001b[0m", "[31mred[0m")]
    [InlineData("invoice\u202Efdp.exe\u202C \u200Bzero", "invoicefdp.exe zero")]
    [InlineData("bell\u0007 and nul\u0000", "bell and nul")]
    [InlineData("Grüße 世界 🚀", "Grüße 世界 🚀")]
    public void Control_and_format_characters_are_removed_and_whitespace_collapses(string message, string expected) =>
        Assert.Equal(expected, AgentOutcomeReader.Clean(message));

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData(" \n\t ")]
    [InlineData("\u001b\u0007")]
    public void Nothing_left_is_null(string? message) => Assert.Null(AgentOutcomeReader.Clean(message));

    [Fact]
    public void A_long_message_is_cut_to_1_KiB_at_a_character_boundary()
    {
        // 1023 ASCII bytes, then a 4-byte emoji that would cross the limit.
        var message = new string('a', 1023) + "🚀 tail";

        var clean = AgentOutcomeReader.Clean(message)!;

        Assert.Equal(new string('a', 1023), clean);
        Assert.True(Encoding.UTF8.GetByteCount(clean) <= AgentOutcomeReader.MaxBytes);
    }

    [Fact]
    public void Multi_byte_text_fills_up_to_the_limit()
    {
        var clean = AgentOutcomeReader.Clean(new string('é', 2000))!;

        Assert.Equal(AgentOutcomeReader.MaxBytes, Encoding.UTF8.GetByteCount(clean));
        Assert.Equal(512, clean.Length);
    }
}
