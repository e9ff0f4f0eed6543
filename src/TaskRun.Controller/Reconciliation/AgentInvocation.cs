using System.Globalization;

namespace TaskRun.Controller.Reconciliation;

/// <summary>
/// How the agent container runs the agent CLI headless: the product's entry script (<see cref="AgentScript"/>) as
/// the command, the config's CLI and arguments as its parameters, and every other value as an environment
/// variable. Nothing a TaskRun author wrote reaches the command line; their files reach the model through
/// CLAUDE.md's imports.
/// </summary>
public static class AgentInvocation
{
    /// <summary>The directory, under the service's workspace, that holds one task's CLI state across its runs.</summary>
    public static string HomeDirectory(string serviceDir, long taskId) =>
        $"{serviceDir}/.task/{taskId.ToString(CultureInfo.InvariantCulture)}/agent-home";

    public static List<string> Command() => ["/bin/sh", "-c", AgentScript.Text, AgentScript.ProcessName];

    public static List<string> Args(AgentConfig agent) => [.. agent.Command, .. agent.Args];

    public static IEnumerable<V1EnvVar> Environment(V2TaskRun taskRun, int run, AgentConfig agent, string serviceDir)
    {
        var home = HomeDirectory(serviceDir, taskRun.Spec.TaskId!.Value);
        yield return Env("AGENT_PROMPT", AgentScript.Prompt);
        yield return Env("AGENT_PERMISSION_MODE", agent.PermissionMode);
        yield return Env("HOME", home);
        yield return Env("CLAUDE_CONFIG_DIR", $"{home}/.claude");
        yield return Env("CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC", "1");
        if (agent.ApiBaseUrl is { } baseUrl)
        {
            yield return Env("ANTHROPIC_BASE_URL", baseUrl);
        }

        if (taskRun.Spec.Agent?.MaxTurns is { } maxTurns)
        {
            yield return Env("AGENT_MAX_TURNS", maxTurns.ToString(CultureInfo.InvariantCulture));
        }

        if (ResumeSession(taskRun, run, agent) is { } session)
        {
            yield return Env("AGENT_RESUME_SESSION", session);
        }
    }

    /// <summary>The conversation a new run continues: the one an earlier run of this TaskRun reported, if any and if enabled.</summary>
    public static string? ResumeSession(V2TaskRun taskRun, int run, AgentConfig agent)
    {
        var result = taskRun.Status?.Result;
        return agent.ContinueConversation && result?.SessionId is { } session && Guid.TryParseExact(session, "D", out _) && result.Run < run
            ? session
            : null;
    }

    private static V1EnvVar Env(string name, string value) => new() { Name = name, Value = value };
}
