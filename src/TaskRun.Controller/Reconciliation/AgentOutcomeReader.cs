using System.Globalization;
using System.Text;
using TaskRun.Core.Agent;

namespace TaskRun.Controller.Reconciliation;

/// <summary>
/// A finished run's outcome, from the agent container of the run's latest Pod: its termination message
/// (<c>/dev/termination-log</c>) and the agent CLI's JSON result, which the product's entry script prints as the
/// last line of the container log. It reads only Pods the run's Job controls (the Job controller's
/// <c>controller-uid</c> label and the controller owner reference both name the Job's uid); this is why the
/// controller may get and list Pods and read their logs, and it never writes them.
/// </summary>
public sealed class AgentOutcomeReader(IKubernetes client, ILogger<AgentOutcomeReader> logger) : IAgentOutcomeReader
{
    /// <summary>The largest message kept, in UTF-8 bytes (the kubelet itself keeps at most 4 KiB).</summary>
    public const int MaxBytes = 1024;

    /// <summary>The most of the log's last line read: the CLI's result object with a long final text fits.</summary>
    private const int MaxResultLineBytes = 1024 * 1024;

    public async Task<AgentOutcome> ReadAsync(V1Job job, int run, CancellationToken cancellationToken)
    {
        var uid = job.Metadata.Uid;
        V1PodList pods;
        try
        {
            pods = await client.CoreV1.ListNamespacedPodAsync(
                job.Metadata.NamespaceProperty, labelSelector: $"controller-uid={uid}", cancellationToken: cancellationToken);
        }
        catch (k8s.Autorest.HttpOperationException e)
        {
            // The run's outcome does not depend on it: without Pod read access (an old Role) the status just lacks it.
            logger.LogWarning("could not read the Pods of Job {Job} for the agent's outcome: {Status}",
                job.Metadata.Name, e.Response.StatusCode);
            return AgentOutcome.None;
        }

        var finished = pods.Items
            .Where(pod => pod.Metadata.OwnerReferences?.Any(o => o.Uid == uid && o.Controller == true) == true)
            .SelectMany(pod => (pod.Status?.ContainerStatuses ?? [])
                .Where(container => container.Name == RunChildren.AgentContainerName)
                .Select(container => (Pod: pod, Terminated: container.State?.Terminated ?? container.LastState?.Terminated)))
            .Where(agent => agent.Terminated is not null)
            .OrderByDescending(agent => agent.Terminated!.FinishedAt ?? DateTime.MinValue)
            .ToList();
        var message = finished.Select(agent => agent.Terminated!.Message).FirstOrDefault(m => !string.IsNullOrWhiteSpace(m));
        var result = finished.Count == 0 ? null : await ReadResultAsync(finished[0].Pod, run, cancellationToken);
        return new AgentOutcome(Clean(message), result);
    }

    private async Task<AgentResultStatus?> ReadResultAsync(V1Pod pod, int run, CancellationToken cancellationToken)
    {
        try
        {
            using var log = await client.CoreV1.ReadNamespacedPodLogAsync(
                pod.Metadata.Name, pod.Metadata.NamespaceProperty, container: RunChildren.AgentContainerName,
                tailLines: 1, limitBytes: MaxResultLineBytes, cancellationToken: cancellationToken);
            using var reader = new StreamReader(log, Encoding.UTF8);
            return AgentResultParser.Parse(await reader.ReadToEndAsync(cancellationToken), run);
        }
        catch (k8s.Autorest.HttpOperationException e)
        {
            // A Pod already removed, a node unreachable for logs, or no pods/log access: the run's outcome stands without it.
            logger.LogWarning("could not read the agent's log in Pod {Pod} for its result: {Status}", pod.Metadata.Name, e.Response.StatusCode);
            return null;
        }
    }

    /// <summary>
    /// Line breaks and tabs become spaces; other control and format characters (e.g. bidirectional overrides,
    /// escape sequences) are removed; whitespace runs collapse; at most <see cref="MaxBytes"/> UTF-8 bytes,
    /// cut at a character boundary. Null when nothing is left.
    /// </summary>
    public static string? Clean(string? message)
    {
        if (message is null)
        {
            return null;
        }

        var text = new StringBuilder(Math.Min(message.Length, MaxBytes));
        var bytes = 0;
        var pendingSpace = false;
        foreach (var rune in message.EnumerateRunes())
        {
            var category = Rune.GetUnicodeCategory(rune);
            if (Rune.IsWhiteSpace(rune))
            {
                pendingSpace = text.Length > 0;
                continue;
            }

            if (category is UnicodeCategory.Control or UnicodeCategory.Format or UnicodeCategory.Surrogate
                or UnicodeCategory.PrivateUse or UnicodeCategory.OtherNotAssigned)
            {
                continue;
            }

            var size = rune.Utf8SequenceLength + (pendingSpace ? 1 : 0);
            if (bytes + size > MaxBytes)
            {
                break;
            }

            if (pendingSpace)
            {
                text.Append(' ');
                pendingSpace = false;
            }

            text.Append(rune.ToString());
            bytes += size;
        }

        return text.Length == 0 ? null : text.ToString();
    }
}
