using System.Text;
using TaskRun.Core.Agent;
using Xunit;

namespace TaskRun.Core.Tests.Agent;

public sealed class AgentResultParserTests
{
    // The shape the real CLI (2.1.x) prints with --output-format json, trimmed to the fields that matter.
    private const string Success =
        """{"type":"result","subtype":"success","is_error":false,"num_turns":2,"result":"local model: done.","total_cost_usd":0.00028,"session_id":"b0818f38-05db-4080-8d1d-d4abd239e32b","usage":{"input_tokens":20}}""";

    [Fact]
    public void The_last_log_line_of_a_successful_run_becomes_the_result()
    {
        var result = AgentResultParser.Parse("run-agent: the agent exited with code 0\n" + Success + "\n", run: 3);

        Assert.NotNull(result);
        Assert.Equal("local model: done.", result.Summary);
        Assert.False(result.IsError);
        Assert.Equal(2, result.Turns);
        Assert.Equal(0.00028, result.CostUsd);
        Assert.Equal("b0818f38-05db-4080-8d1d-d4abd239e32b", result.SessionId);
        Assert.Equal(3, result.Run);
    }

    [Fact]
    public void An_error_result_keeps_its_text_and_the_error_flag()
    {
        const string error = """{"type":"result","subtype":"success","is_error":true,"num_turns":1,"result":"API Error: 400 bad request","total_cost_usd":0,"session_id":"f9aa6446-98c7-45ae-a836-7588a3357dbe"}""";

        var result = AgentResultParser.Parse(error, run: 1);

        Assert.NotNull(result);
        Assert.True(result.IsError);
        Assert.Equal("API Error: 400 bad request", result.Summary);
    }

    [Theory]
    [InlineData("")]
    [InlineData("the agent crashed\n")]
    [InlineData("""{"type":"assistant","result":"not the final object"}""")]
    [InlineData("""{"type":"result","result":"cut off""")]
    [InlineData(Success + "\nrun-agent: something printed after the result")]
    public void A_log_that_does_not_end_with_a_result_object_gives_no_result(string log) =>
        Assert.Null(AgentResultParser.Parse(log, run: 1));

    [Fact]
    public void Untrusted_fields_are_bounded_a_non_uuid_session_is_dropped_and_control_characters_removed()
    {
        var hostile = """{"type":"result","is_error":false,"num_turns":-4,"total_cost_usd":1e300,"session_id":"x; rm -rf /","result":"a\u001b[31mred\u0007\nline\ttab"}""";

        var result = AgentResultParser.Parse(hostile, run: 1);

        Assert.NotNull(result);
        Assert.Null(result.SessionId);
        Assert.Null(result.Turns);
        Assert.Null(result.CostUsd);
        Assert.Equal("a[31mred\nline\ttab", result.Summary);
    }

    [Fact]
    public void The_summary_is_cut_to_one_KiB_of_UTF8_on_a_character_boundary()
    {
        var text = new string('é', 2000); // two bytes each

        var summary = AgentResultParser.Summarize(text);

        Assert.NotNull(summary);
        Assert.Equal(512, summary.Length);
        Assert.Equal(AgentResultParser.MaxSummaryBytes, Encoding.UTF8.GetByteCount(summary));
    }
}
