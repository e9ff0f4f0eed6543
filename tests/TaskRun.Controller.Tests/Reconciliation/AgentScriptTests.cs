using TaskRun.Controller.Reconciliation;
using TaskRun.Testing;
using Xunit;

namespace TaskRun.Controller.Tests.Reconciliation;

/// <summary>
/// The agent container's entry script, run for real by busybox sh with a fake agent CLI that records its
/// arguments and prints a result object the way <c>claude -p --output-format json</c> does.
/// </summary>
public sealed class AgentScriptTests : IDisposable
{
    private const string SessionId = "b0818f38-05db-4080-8d1d-d4abd239e32b";
    private readonly string root = Directory.CreateTempSubdirectory("agent-script-").FullName;

    [Fact]
    public async Task The_CLI_runs_headless_with_the_products_prompt_JSON_output_and_the_permission_mode()
    {
        var (result, arguments) = await RunAsync(new Dictionary<string, string>());

        Assert.True(result.Succeeded, result.ToString());
        Assert.Equal(["--model", "opus", "-p", AgentScript.Prompt, "--output-format", "json", "--permission-mode", "acceptEdits"], arguments);
    }

    [Fact]
    public async Task The_result_object_is_the_last_line_of_the_log_and_is_kept_in_the_run_directory()
    {
        var (result, _) = await RunAsync(new Dictionary<string, string>());

        var lastLine = result.StandardOutput.TrimEnd('\n').Split('\n')[^1];
        Assert.StartsWith("""{"type":"result","is_error":false""", lastLine, StringComparison.Ordinal);
        Assert.Equal(lastLine + "\n", await File.ReadAllTextAsync(Path.Combine(root, "service", ".task", "7", "run-2", "agent-result.json")));
    }

    [Fact]
    public async Task The_scripts_and_the_CLIs_messages_go_to_the_results_stream_before_it_so_no_log_line_can_follow_it()
    {
        var (result, _) = await RunAsync(new Dictionary<string, string>());

        Assert.Equal("", result.StandardError);
        var lines = result.StandardOutput.TrimEnd('\n').Split('\n');
        Assert.Equal(["fake-claude: working", "run-agent: the agent exited with code 0"], lines[..^1]);
        Assert.StartsWith("""{"type":"result",""", lines[^1], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Max_turns_is_passed_when_set()
    {
        var (_, arguments) = await RunAsync(new Dictionary<string, string> { ["AGENT_MAX_TURNS"] = "12" });

        Assert.Equal(["--max-turns", "12"], arguments[^2..]);
    }

    [Fact]
    public async Task A_previous_session_is_resumed_only_when_its_state_survived_on_the_volume()
    {
        var resume = new Dictionary<string, string> { ["AGENT_RESUME_SESSION"] = SessionId };

        var (fresh, freshArguments) = await RunAsync(resume);
        Assert.DoesNotContain("--resume", freshArguments);
        Assert.Contains("starting a new conversation", fresh.StandardOutput, StringComparison.Ordinal);

        var projectDir = Directory.CreateDirectory(Path.Combine(root, "home", ".claude", "projects", "-workspace-service")).FullName;
        await File.WriteAllTextAsync(Path.Combine(projectDir, SessionId + ".jsonl"), "{}\n");
        var (_, resumedArguments) = await RunAsync(resume);
        Assert.Equal(["--resume", SessionId], resumedArguments[^2..]);
    }

    [Theory]
    [InlineData("AGENT_RESUME_SESSION", "x; rm -rf /")]
    [InlineData("AGENT_RESUME_SESSION", "../../etc/passwd")]
    [InlineData("AGENT_MAX_TURNS", "5 --dangerously-skip-permissions")]
    public async Task Values_that_are_not_of_their_shape_stop_the_script_before_the_CLI_runs(string name, string value)
    {
        var (result, arguments) = await RunAsync(new Dictionary<string, string> { [name] = value });

        Assert.Equal(2, result.ExitCode);
        Assert.Empty(arguments);
    }

    [Fact]
    public async Task The_CLIs_exit_code_is_the_containers_and_its_result_is_still_printed()
    {
        var (result, _) = await RunAsync(new Dictionary<string, string> { ["FAKE_EXIT"] = "1" });

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("\"is_error\":true", result.StandardOutput.TrimEnd('\n').Split('\n')[^1], StringComparison.Ordinal);
    }

    [Fact]
    public async Task SIGTERM_to_the_script_reaches_the_CLI_so_a_cancelled_run_stops_at_once()
    {
        var stopped = Path.Combine(root, "stopped");
        var started = Path.Combine(root, "started");
        var slowCli = Path.Combine(root, "slow-claude");
        await File.WriteAllTextAsync(slowCli, $$"""
            trap 'echo TERM > "{{stopped}}"; kill "$sleeper"; exit 143' TERM
            touch "{{started}}"
            sleep 60 &
            sleeper=$!
            wait "$sleeper"
            """);
        var serviceDir = Directory.CreateDirectory(Path.Combine(root, "service")).FullName;
        var start = new System.Diagnostics.ProcessStartInfo("busybox") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[] { "sh", "-c", AgentScript.Text, AgentScript.ProcessName, "busybox", "sh", slowCli })
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["AGENT_PROMPT"] = AgentScript.Prompt;
        start.Environment["AGENT_PERMISSION_MODE"] = "acceptEdits";
        start.Environment["CLAUDE_CONFIG_DIR"] = Path.Combine(root, "home", ".claude");
        start.Environment["TASK_DIR"] = Path.Combine(serviceDir, ".task", "7", "run-1");
        using var script = System.Diagnostics.Process.Start(start)!;
        var output = script.StandardOutput.ReadToEndAsync();
        var errors = script.StandardError.ReadToEndAsync();
        await Eventually.HoldsAsync(() => File.Exists(started), "the fake CLI to start");

        var kill = await ProcessRunner.RunAsync("kill", ["-TERM", script.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        Assert.True(kill.Succeeded, kill.ToString());
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        await script.WaitForExitAsync(deadline.Token);

        Assert.True(File.Exists(stopped), "the CLI never got SIGTERM; stderr: " + await errors);
        Assert.Equal(143, script.ExitCode);
        _ = await output;
    }

    public void Dispose() => Directory.Delete(root, recursive: true);

    private async Task<(CommandResult Result, string[] Arguments)> RunAsync(Dictionary<string, string> extra)
    {
        var serviceDir = Directory.CreateDirectory(Path.Combine(root, "service")).FullName;
        var argumentsFile = Path.Combine(root, "arguments");
        File.Delete(argumentsFile);
        var fakeCli = Path.Combine(root, "fake-claude");
        await File.WriteAllTextAsync(fakeCli, """
            for a in "$@"; do printf '%s\n' "$a" >> "$ARGUMENTS_FILE"; done
            echo "fake-claude: working" >&2
            if [ "${FAKE_EXIT:-0}" = 0 ]; then error=false; else error=true; fi
            echo "{\"type\":\"result\",\"is_error\":$error,\"num_turns\":2,\"result\":\"done\",\"session_id\":\"b0818f38-05db-4080-8d1d-d4abd239e32b\"}"
            exit "${FAKE_EXIT:-0}"
            """);
        var env = new Dictionary<string, string>
        {
            ["ARGUMENTS_FILE"] = argumentsFile,
            ["AGENT_PROMPT"] = AgentScript.Prompt,
            ["AGENT_PERMISSION_MODE"] = "acceptEdits",
            ["CLAUDE_CONFIG_DIR"] = Path.Combine(root, "home", ".claude"),
            ["TASK_DIR"] = Path.Combine(serviceDir, ".task", "7", "run-2"),
        };
        foreach (var (name, value) in extra)
        {
            env[name] = value;
        }

        var result = await ProcessRunner.RunAsync("busybox",
            ["sh", "-c", AgentScript.Text, AgentScript.ProcessName, "busybox", "sh", fakeCli, "--model", "opus"], env);
        var arguments = File.Exists(argumentsFile) ? await File.ReadAllLinesAsync(argumentsFile) : [];
        return (result, arguments);
    }
}
