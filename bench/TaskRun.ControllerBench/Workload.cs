using System.Globalization;
using System.Text;
using System.Text.Json;
using k8s;
using k8s.Autorest;
using k8s.Models;
using TaskRun.Core.Api;
using TaskRun.Core.Serialization;

namespace TaskRun.ControllerBench;

/// <summary>The TaskRuns the benchmark creates, and creating many of them at a fixed concurrency.</summary>
internal static class Workload
{
    private static readonly string[] FileNames = ["task.md", "design-spec.md", "prompt.md", "acceptance-criteria.md"];

    /// <summary>
    /// A TaskRun as the mutating webhook would leave it (types and labels set, there is no webhook here):
    /// <paramref name="files"/> markdown files of <paramref name="fileBytes"/> ASCII bytes each.
    /// </summary>
    public static V2TaskRun TaskRun(string ns, string name, long taskId, string service, int files, int fileBytes)
    {
        var spec = new V2TaskRunSpec
        {
            TaskId = taskId,
            ServiceName = service,
            Priority = Priorities.Medium,
            Files = Enumerable.Range(0, files).Select(f =>
            {
                var fileName = f < FileNames.Length ? FileNames[f] : $"context-{f}.md";
                return new TaskFile { Name = fileName, Type = FileTypes.InferFromName(fileName), Content = Content(fileName, taskId, fileBytes) };
            }).ToList(),
            Retry = new RetrySpec { Attempt = 1 },
        };
        return new V2TaskRun
        {
            Metadata = new V1ObjectMeta
            {
                Name = name,
                NamespaceProperty = ns,
                Labels = new Dictionary<string, string>
                {
                    [TaskRunLabels.TaskId] = taskId.ToString(CultureInfo.InvariantCulture),
                    [TaskRunLabels.Service] = service,
                    [TaskRunLabels.Priority] = Priorities.Medium,
                },
            },
            Spec = spec,
        };
    }

    /// <summary>Markdown of exactly <paramref name="bytes"/> ASCII bytes, different per task (so nothing is trivially shared).</summary>
    public static string Content(string fileName, long taskId, int bytes)
    {
        var text = new StringBuilder(bytes + 128);
        text.Append(CultureInfo.InvariantCulture, $"# {fileName} for task {taskId}\n\n");
        var line = 0;
        while (text.Length < bytes)
        {
            text.Append(CultureInfo.InvariantCulture,
                $"- step {line++}: implement the change described above, keep the tests green and explain the design in the PR ({taskId}).\n");
        }

        text.Length = bytes;
        return text.ToString();
    }

    /// <summary>
    /// Creates <paramref name="count"/> TaskRuns with <paramref name="concurrency"/> requests in flight, retrying
    /// a throttled or failed create a few times. Returns, per index, when its create was first sent and, with
    /// <paramref name="keep"/>, the created object (reading it back costs the benchmark CPU, so only the ceiling asks).
    /// </summary>
    public static async Task<CreateResult> CreateManyAsync(
        IKubernetes client, int count, int concurrency, Func<int, V2TaskRun> build, Clock clock, CancellationToken cancellationToken, bool keep = false)
    {
        var created = new V2TaskRun[count];
        var sentAt = new double[count];
        var next = -1;
        var started = clock.Now;
        var workers = Enumerable.Range(0, Math.Min(concurrency, count)).Select(_ => Task.Run(async () =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < count)
            {
                var taskRun = build(i);
                var ns = taskRun.Metadata.NamespaceProperty;
                sentAt[i] = clock.Now;
                for (var attempt = 1; ; attempt++)
                {
                    try
                    {
                        var response = await client.CustomObjects.CreateNamespacedCustomObjectAsync(
                            taskRun, TaskRunApi.Group, TaskRunApi.V2, ns, TaskRunApi.Plural, cancellationToken: cancellationToken);
                        created[i] = keep ? KubeJson.Deserialize<V2TaskRun>((JsonElement)response)! : taskRun;
                        break;
                    }
                    catch (HttpOperationException e) when (e.Response.StatusCode == System.Net.HttpStatusCode.Conflict && attempt > 1)
                    {
                        // A retried create whose first attempt landed after all.
                        created[i] = keep
                            ? KubeJson.Deserialize<V2TaskRun>((JsonElement)await client.CustomObjects.GetNamespacedCustomObjectAsync(
                                TaskRunApi.Group, TaskRunApi.V2, ns, TaskRunApi.Plural, taskRun.Metadata.Name, cancellationToken))!
                            : taskRun;
                        break;
                    }
                    catch (Exception e) when (attempt < 5 && e is HttpOperationException or HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
                    {
                        Console.Error.WriteLine($"bench: create {taskRun.Metadata.Name} failed ({e.Message}); retrying");
                        await Task.Delay(TimeSpan.FromMilliseconds(200 * attempt), cancellationToken);
                    }
                }
            }
        }, cancellationToken)).ToList();
        await Task.WhenAll(workers);
        return new CreateResult(created, sentAt, started, clock.Now);
    }

    public static async Task EnsureNamespaceAsync(IKubernetes client, string ns, CancellationToken cancellationToken)
    {
        try
        {
            await client.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = ns } }, cancellationToken: cancellationToken);
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == System.Net.HttpStatusCode.Conflict)
        {
            throw new InvalidOperationException($"namespace {ns} exists already: run the benchmark against a fresh control plane (hack/bench-controller.sh makes one)");
        }
    }
}

internal sealed record CreateResult(V2TaskRun[] Created, double[] SentAt, double Started, double Finished)
{
    public double Seconds => Finished - Started;
}

/// <summary>Seconds since the benchmark started, from a monotonic clock.</summary>
internal sealed class Clock
{
    private readonly long origin = System.Diagnostics.Stopwatch.GetTimestamp();

    public double Now => System.Diagnostics.Stopwatch.GetElapsedTime(origin).TotalSeconds;
}
