using System.Globalization;
using System.Text;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;

namespace TaskRun.Controller.Reconciliation;

/// <summary>
/// The agent's last words: the termination message (<c>/dev/termination-log</c>) of the agent container of a
/// finished run's Pods, made safe to show in <c>kubectl get/describe</c>. It reads only Pods the run's Job
/// controls (the Job controller's <c>controller-uid</c> label and the controller owner reference both name the
/// Job's uid); this is why the controller may get and list Pods, and it never writes them.
/// </summary>
public sealed class AgentMessageReader(IKubernetes client, ILogger<AgentMessageReader> logger)
{
    /// <summary>The largest message kept, in UTF-8 bytes (the kubelet itself keeps at most 4 KiB).</summary>
    public const int MaxBytes = 1024;

    public async Task<string?> ReadAsync(V1Job job, CancellationToken cancellationToken)
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
            logger.LogWarning("could not read the Pods of Job {Job} for the agent's termination message: {Status}",
                job.Metadata.Name, e.Response.StatusCode);
            return null;
        }

        var last = pods.Items
            .Where(pod => pod.Metadata.OwnerReferences?.Any(o => o.Uid == uid && o.Controller == true) == true)
            .SelectMany(pod => pod.Status?.ContainerStatuses ?? [])
            .Where(container => container.Name == RunChildren.AgentContainerName)
            .Select(container => container.State?.Terminated ?? container.LastState?.Terminated)
            .Where(terminated => !string.IsNullOrWhiteSpace(terminated?.Message))
            .OrderByDescending(terminated => terminated!.FinishedAt ?? DateTime.MinValue)
            .FirstOrDefault();
        return last is null ? null : Clean(last.Message);
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
