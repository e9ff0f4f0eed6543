using System.Text;
using TaskRun.Core.Api;
using TaskRun.Testing;
using Xunit;

namespace TaskRun.E2E.Tests;

/// <summary>The agent's termination message reaches the TaskRun's status, cleaned and bounded.</summary>
public sealed class AgentMessageTests
{
    [Fact]
    public async Task The_agents_termination_message_is_copied_into_status_without_control_characters_and_at_most_1_KiB()
    {
        var cluster = await LocalCluster.Shared;
        var client = cluster.Client;
        var ns = await cluster.CreateNamespaceAsync("message");
        var words = "\u001b[31mred\u001b[0m \u202Egnp.exe\u202C " + new string('x', 1500);
        await TaskRunClient.CreateAsync(client, TaskRuns.Small(ns, "talkative", "talkative", standIn: $"message {words}\n"));

        var done = await TaskRuns.WaitForPhaseAsync(client, ns, "talkative", Phases.Succeeded, TimeSpan.FromMinutes(3));

        var said = done.Status!.AgentMessage!;
        Assert.StartsWith("[31mred[0m gnp.exe xxx", said);
        Assert.DoesNotContain(said, c => char.IsControl(c) || c is '\u202E' or '\u202C');
        Assert.Equal(1024, Encoding.UTF8.GetByteCount(said));
        Assert.EndsWith($"; the agent said: {said}", done.Status.Message);
    }
}
