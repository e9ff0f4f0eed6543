namespace TaskRun.Controller.Reconciliation;

/// <summary>
/// The agent container's entry point: a constant POSIX sh script that runs the agent CLI headless. Like the init
/// script it takes every value from environment variables, so no user text is interpolated into shell, and the
/// user's files reach the model only through CLAUDE.md's imports. The CLI and its leading arguments (the config's
/// <c>agent.command</c> and <c>agent.args</c>) arrive as the script's positional parameters.
/// <para>
/// It adds print mode with the product's prompt, JSON output and the permission mode; <c>--max-turns</c> when
/// set; and <c>--resume</c> with the previous run's session id when that session's state survived on the
/// workspace volume (else the run starts a fresh conversation). The CLI's JSON result is printed as the last
/// line of the container log, which is where the controller reads it from (the script's and the CLI's messages go to
/// stdout too, so nothing can be logged after it); the exit code is the CLI's own, and
/// SIGTERM (a cancelled run, a deleted Pod) is passed on to the CLI.
/// </para>
/// </summary>
public static class AgentScript
{
    public const string Text = """
        set -u
        # One stream: the runtime reads stdout and stderr from two pipes and logs them in whatever order it reads
        # them, so a message on stderr could land after the result and the log's last line would not be the result.
        exec 2>&1
        case "${AGENT_RESUME_SESSION:-}" in
          *[!0-9a-f-]*) echo "run-agent: invalid AGENT_RESUME_SESSION" >&2; exit 2 ;;
        esac
        case "${AGENT_MAX_TURNS:-}" in
          *[!0-9]*) echo "run-agent: invalid AGENT_MAX_TURNS" >&2; exit 2 ;;
        esac
        [ "$#" -gt 0 ] || { echo "run-agent: no agent command" >&2; exit 2; }
        mkdir -p "$CLAUDE_CONFIG_DIR" "$TASK_DIR" || { echo "run-agent: cannot create the agent's state directories" >&2; exit 3; }
        set -- "$@" -p "$AGENT_PROMPT" --output-format json --permission-mode "$AGENT_PERMISSION_MODE"
        if [ -n "${AGENT_MAX_TURNS:-}" ]; then set -- "$@" --max-turns "$AGENT_MAX_TURNS"; fi
        if [ -n "${AGENT_RESUME_SESSION:-}" ]; then
          if ls "$CLAUDE_CONFIG_DIR"/projects/*/"$AGENT_RESUME_SESSION.jsonl" >/dev/null 2>&1; then
            echo "run-agent: continuing the conversation of session $AGENT_RESUME_SESSION" >&2
            set -- "$@" --resume "$AGENT_RESUME_SESSION"
          else
            echo "run-agent: session $AGENT_RESUME_SESSION is not on the workspace volume; starting a new conversation" >&2
          fi
        fi
        result_file="$TASK_DIR/agent-result.json"
        # As PID 1 the shell would ignore SIGTERM: pass it on to the CLI, so a cancelled run stops at once.
        "$@" </dev/null >"$result_file" &
        agent=$!
        trap 'kill -TERM "$agent" 2>/dev/null' TERM INT
        wait "$agent"
        status=$?
        while kill -0 "$agent" 2>/dev/null; do wait "$agent"; status=$?; done
        echo "run-agent: the agent exited with code $status" >&2
        printf '%s\n' "$(cat "$result_file")"
        exit "$status"
        """;

    /// <summary>The name the script runs under (<c>$0</c>), seen in process listings and its own messages.</summary>
    public const string ProcessName = "run-agent";

    /// <summary>The prompt the product gives the CLI: fixed text, never user input; the task itself is in CLAUDE.md.</summary>
    public const string Prompt =
        "Carry out the task described in CLAUDE.md and the task files it imports. Work only inside the current " +
        "directory. When you are done, reply with a short summary of what you did and what is left.";
}
