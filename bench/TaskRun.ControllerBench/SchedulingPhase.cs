using System.Collections.Concurrent;
using k8s;
using k8s.Models;
using TaskRun.Core.Api;
using TaskRun.Core.Config;

// WatchAsync over a list call is marked obsolete in favour of generated per-kind methods; the controller's
// informers use the same enumerator.
#pragma warning disable CS0618

namespace TaskRun.ControllerBench;

/// <summary>
/// The scheduling benchmark (issue 16): --count TaskRuns of mixed priority created at once under
/// scheduling.maxActiveRuns = --scheduling-limit. A watch of the run Jobs counts the runs active at every
/// moment; each Job "runs" for --run-seconds (a random time in that range) and is then marked Complete by the
/// benchmark, as the Job controller would. Reported: the most runs ever active at once, and the admission
/// latency: from a finish seen on the watch while runs still wait to the next Job seen, pairing each freed
/// slot with the next creation (how long a freed slot stays empty); also for the slots freed while all were taken.
/// </summary>
internal static class SchedulingPhase
{
    public static async Task<SchedulingResult> RunAsync(IKubernetes client, MetricsClient metrics, BenchOptions options, Clock clock, CancellationToken cancellationToken)
    {
        const string ns = "bench-scheduling";
        var limit = options.SchedulingLimit!.Value;
        await Workload.EnsureNamespaceAsync(client, ns, cancellationToken);
        var configMap = new V1ConfigMap
        {
            Metadata = new V1ObjectMeta { Name = ControllerConfig.ConfigMapName, NamespaceProperty = ns },
            Data = new Dictionary<string, string> { [ControllerConfig.DataKey] = $"scheduling:\n  maxActiveRuns: {limit}\n" },
        };
        await client.CoreV1.CreateNamespacedConfigMapAsync(configMap, ns, cancellationToken: cancellationToken);

        await using var controller = ControllerRunner.Start(options, ns, options.DefaultWorkers);
        await controller.WaitUntilWorkingAsync(metrics, clock, cancellationToken);
        Console.WriteLine($"  controller pid {controller.Pid} working; log {controller.LogPath}");

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var tracker = new RunTracker(client, ns, options, clock, stop.Token);
        var startVersion = (await client.BatchV1.ListNamespacedJobAsync(ns, cancellationToken: cancellationToken)).Metadata.ResourceVersion;
        var watching = tracker.WatchAsync(startVersion);

        var started = clock.Now;
        var created = await Workload.CreateManyAsync(client, options.Count, options.CreateConcurrency,
            i =>
            {
                var taskRun = Workload.TaskRun(ns, ControllerPhases.Name(i), i + 1, options.Service, options.Files, options.FileBytes);
                taskRun.Spec.Priority = Priorities.All[i % Priorities.All.Count];
                taskRun.Metadata.Labels[TaskRunLabels.Priority] = taskRun.Spec.Priority;
                return taskRun;
            },
            clock, cancellationToken);
        Console.WriteLine($"  created {options.Count} TaskRuns in {created.Seconds:0.0} s; waiting for every run to start and finish");

        var deadline = clock.Now + options.PhaseTimeout.TotalSeconds;
        while (tracker.Finished < options.Count)
        {
            if (clock.Now > deadline || controller.HasExited)
            {
                throw new TimeoutException($"only {tracker.Finished} of {options.Count} runs finished (controller exited: {controller.HasExited}); see {controller.LogPath}");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(200), cancellationToken);
        }

        var seconds = clock.Now - started;
        await stop.CancelAsync();
        await watching.ContinueWith(_ => { }, TaskScheduler.Default);
        return new SchedulingResult(limit, options.Count, tracker.MaxActive, tracker.Latencies.ToArray(), tracker.LatenciesAtLimit.ToArray(), seconds, tracker.Events);
    }

    private sealed class RunTracker(IKubernetes client, string ns, BenchOptions options, Clock clock, CancellationToken cancellationToken)
    {
        private readonly HashSet<string> active = [];
        private readonly HashSet<string> seen = [];
        private readonly HashSet<string> done = [];
        private readonly Queue<(double At, bool LimitHeld)> freedAt = new();
        private readonly object gate = new();
        private readonly Random random = new(16);

        public ConcurrentBag<double> Latencies { get; } = [];

        public ConcurrentBag<double> LatenciesAtLimit { get; } = [];

        public int MaxActive { get; private set; }

        public int Events { get; private set; }

        public int Finished
        {
            get
            {
                lock (gate)
                {
                    return done.Count;
                }
            }
        }

        public async Task WatchAsync(string resourceVersion)
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                try
                {
                    var stream = client.BatchV1.ListNamespacedJobWithHttpMessagesAsync(
                        ns, resourceVersion: resourceVersion, timeoutSeconds: 300, watch: true, cancellationToken: cancellationToken);
                    await foreach (var (type, job) in stream.WatchAsync<V1Job, V1JobList>(cancellationToken: cancellationToken))
                    {
                        resourceVersion = job.Metadata.ResourceVersion;
                        Observe(type, job);
                    }
                }
                catch (OperationCanceledException)
                {
                    return;
                }
                catch (Exception e) when (e is HttpRequestException or IOException or k8s.Autorest.HttpOperationException)
                {
                    Console.Error.WriteLine($"bench: Job watch broke ({e.Message}); reopening");
                }
            }
        }

        private void Observe(WatchEventType type, V1Job job)
        {
            var now = clock.Now;
            var name = job.Metadata.Name;
            var finished = type == WatchEventType.Deleted ||
                job.Status?.Conditions?.Any(c => c.Status == "True" && c.Type is "Complete" or "Failed") == true;
            lock (gate)
            {
                Events++;
                if (finished)
                {
                    // A slot freed while runs still wait for theirs: how long it stays empty is the admission latency.
                    // Those freed while every slot was taken are also kept apart (the controller had caught up).
                    var limitHeld = active.Count >= options.SchedulingLimit;
                    if (active.Remove(name))
                    {
                        done.Add(name);
                        if (seen.Count < options.Count)
                        {
                            freedAt.Enqueue((now, limitHeld));
                        }
                    }

                    return;
                }

                if (!seen.Add(name))
                {
                    return;
                }

                active.Add(name);
                MaxActive = Math.Max(MaxActive, active.Count);
                if (freedAt.TryDequeue(out var freed))
                {
                    Latencies.Add(now - freed.At);
                    if (freed.LimitHeld)
                    {
                        LatenciesAtLimit.Add(now - freed.At);
                    }
                }
            }

            _ = FinishLaterAsync(name);
        }

        /// <summary>The run "works" for a while, then its Job completes.</summary>
        private async Task FinishLaterAsync(string job)
        {
            double seconds;
            lock (gate)
            {
                seconds = options.RunSecondsMin + (random.NextDouble() * (options.RunSecondsMax - options.RunSecondsMin));
            }

            try
            {
                await Task.Delay(TimeSpan.FromSeconds(seconds), cancellationToken);
                var patch = new V1Patch("""{"status":{"conditions":[{"type":"Complete","status":"True"}]}}""", V1Patch.PatchType.MergePatch);
                for (var attempt = 1; ; attempt++)
                {
                    try
                    {
                        await client.BatchV1.PatchNamespacedJobStatusAsync(patch, job, ns, cancellationToken: cancellationToken);
                        return;
                    }
                    catch (Exception e) when (attempt < 5 && e is k8s.Autorest.HttpOperationException or HttpRequestException)
                    {
                        await Task.Delay(TimeSpan.FromMilliseconds(200 * attempt), cancellationToken);
                    }
                }
            }
            catch (OperationCanceledException)
            {
            }
        }
    }
}

internal sealed record SchedulingResult(int Limit, int Count, int MaxActive, double[] AdmissionLatencies, double[] AtLimit, double Seconds, int JobEvents)
{
    public void Print()
    {
        Console.WriteLine($"""

            == scheduling: {Count} TaskRuns at once, scheduling.maxActiveRuns {Limit}
              all {Count} runs started and finished in {Seconds:0.0} s ({JobEvents} Job watch events)
              max active ever seen: {MaxActive} (limit {Limit})
              admission after a slot frees while runs wait (finish seen → next Job seen): {Describe(AdmissionLatencies)}
                of which freed while all {Limit} slots were taken: {Describe(AtLimit)}
            """);
    }

    private static string Describe(double[] latencies) => latencies.Length == 0
        ? "none"
        : $"{latencies.Length} admissions, p50 {Report.Percentile(latencies, 0.5) * 1000:0} ms, p99 {Report.Percentile(latencies, 0.99) * 1000:0} ms, max {latencies.Max() * 1000:0} ms";
}
