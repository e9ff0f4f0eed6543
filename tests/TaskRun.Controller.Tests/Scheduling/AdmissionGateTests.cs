using System.Collections.Concurrent;
using k8s.Models;
using Microsoft.Extensions.Time.Testing;
using TaskRun.Runtime;
using TaskRun.Controller.Scheduling;
using TaskRun.Core.Api;
using TaskRun.Core.Config;
using Xunit;

namespace TaskRun.Controller.Tests.Scheduling;

/// <summary>The gate against caches filled by hand: counting, reservations, and many workers at once.</summary>
public sealed class AdmissionGateTests
{
    private readonly ObjectCache<V2TaskRun> taskRuns = new();
    private readonly ObjectCache<V1Job> jobs = new();
    private readonly FakeTimeProvider time = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
    private SchedulingConfig limits = new() { MaxActiveRuns = 1 };

    private AdmissionGate Gate() => new(taskRuns, jobs, () => new ControllerConfig { Scheduling = limits }, time);

    [Fact]
    public void An_admitted_start_holds_its_slot_before_its_Job_is_in_the_cache()
    {
        var gate = Gate();
        var first = Add("team-a", "first");
        var second = Add("team-a", "second");

        using var admitted = gate.Request(first, "first-run-1");
        var queued = gate.Request(second, "second-run-1");

        Assert.True(admitted.IsGranted);
        Assert.False(queued.IsGranted);
        Assert.Equal(QueueHold.Cluster, queued.Place!.HeldBy);
    }

    [Fact]
    public void A_start_whose_Job_never_appeared_keeps_its_slot_for_the_grace_period_then_frees_it()
    {
        var gate = Gate();
        var first = Add("team-a", "first");
        var second = Add("team-a", "second");
        gate.Request(first, "first-run-1").Dispose();

        Assert.False(gate.Request(second, "second-run-1").IsGranted);
        time.Advance(AdmissionGate.UnconfirmedStartGrace + TimeSpan.FromSeconds(1));
        Assert.True(gate.Request(second, "second-run-1").IsGranted);
    }

    [Fact]
    public void A_start_retried_after_a_failure_reuses_its_own_slot()
    {
        var gate = Gate();
        var first = Add("team-a", "first");
        gate.Request(first, "first-run-1").Dispose();

        Assert.True(gate.Request(first, "first-run-1").IsGranted);
    }

    [Fact]
    public void Once_the_Job_is_cached_it_is_counted_there_and_its_finish_frees_the_slot()
    {
        var gate = Gate();
        var first = Add("team-a", "first");
        var second = Add("team-a", "second");
        using (gate.Request(first, "first-run-1"))
        {
            jobs.Put(Job(first, "first-run-1", finished: false, resourceVersion: 1));
        }

        Assert.Equal(0, gate.Reserved);
        Assert.False(gate.Request(second, "second-run-1").IsGranted);
        jobs.Put(Job(first, "first-run-1", finished: true, resourceVersion: 2));
        Assert.True(gate.Request(second, "second-run-1").IsGranted);
    }

    [Fact]
    public void Only_Jobs_owned_by_a_cached_TaskRun_with_the_same_uid_count()
    {
        var gate = Gate();
        var owner = Add("team-a", "owner");
        var stranger = Job(owner, "forged-run-1", finished: false, resourceVersion: 1);
        stranger.Metadata.OwnerReferences[0].Uid = "someone-else";
        jobs.Put(stranger);

        Assert.True(gate.Request(Add("team-a", "next"), "next-run-1").IsGranted);
    }

    [Fact]
    public void A_cancelled_TaskRun_is_never_admitted()
    {
        limits = new SchedulingConfig();
        var taskRun = Add("team-a", "cancelled");
        taskRun.Spec.Cancel = true;

        var admission = Gate().Request(taskRun, "cancelled-run-1");

        Assert.True(admission.IsCancelled);
        Assert.False(admission.IsGranted);
    }

    [Fact]
    public void A_queued_TaskRun_ahead_in_the_order_keeps_a_newcomer_out_even_with_a_free_slot()
    {
        var gate = Gate();
        var waiting = Add("team-a", "waiting", Priorities.Critical, phase: Phases.Queued);
        var newcomer = Add("team-b", "newcomer", Priorities.Low);

        var admission = gate.Request(newcomer, "newcomer-run-1");

        Assert.False(admission.IsGranted);
        Assert.Equal(1, admission.Place!.Position);
        Assert.True(gate.Request(waiting, "waiting-run-1").IsGranted);
    }

    [Theory]
    [InlineData(1, 0)]
    [InlineData(5, 0)]
    [InlineData(7, 2)]
    [InlineData(0, 3)]
    public async Task Eight_concurrent_workers_never_admit_more_than_the_limits(int max, int perNamespace)
    {
        limits = new SchedulingConfig { MaxActiveRuns = max, MaxActiveRunsPerNamespace = perNamespace };
        var gate = Gate();
        var all = Enumerable.Range(0, 200).Select(i => Add($"ns-{i % 4}", $"run-{i}", Priorities.All[i % 4])).ToList();
        var pending = new ConcurrentQueue<V2TaskRun>(all);
        var running = new ConcurrentDictionary<string, V2TaskRun>();
        var perNs = new ConcurrentDictionary<string, int>();
        var lockObj = new object();
        int active = 0, maxSeen = 0, maxNsSeen = 0, started = 0;
        var resourceVersion = 0L;
        var random = Random.Shared;

        async Task WorkerAsync()
        {
            while (Volatile.Read(ref started) < all.Count)
            {
                if (!pending.TryDequeue(out var taskRun))
                {
                    await Task.Yield();
                    continue;
                }

                var jobName = $"{taskRun.Metadata.Name}-run-1";
                using var admission = gate.Request(taskRun, jobName);
                if (!admission.IsGranted)
                {
                    taskRun.Status = new TaskRunStatus { Phase = Phases.Queued };
                    pending.Enqueue(taskRun);
                    await Task.Yield();
                    continue;
                }

                lock (lockObj)
                {
                    active++;
                    maxSeen = Math.Max(maxSeen, active);
                    var inNs = perNs.AddOrUpdate(taskRun.Metadata.NamespaceProperty, 1, (_, n) => n + 1);
                    maxNsSeen = Math.Max(maxNsSeen, inNs);
                }

                // The start's API calls take a while; the Job reaches the cache at the end, as in the reconciler.
                await Task.Delay(random.Next(0, 3));
                taskRun.Status = new TaskRunStatus { Phase = Phases.Running };
                jobs.Put(Job(taskRun, jobName, finished: false, Interlocked.Increment(ref resourceVersion)));
                running[jobName] = taskRun;
                Interlocked.Increment(ref started);
            }
        }

        async Task FinisherAsync()
        {
            while (Volatile.Read(ref started) < all.Count || !running.IsEmpty)
            {
                foreach (var (jobName, taskRun) in running)
                {
                    if (random.Next(3) != 0 || !running.TryRemove(jobName, out _))
                    {
                        continue;
                    }

                    // The slot is given back only after the count drops, so the count never under-reports.
                    lock (lockObj)
                    {
                        active--;
                        perNs.AddOrUpdate(taskRun.Metadata.NamespaceProperty, 0, (_, n) => n - 1);
                    }

                    jobs.Put(Job(taskRun, jobName, finished: true, Interlocked.Increment(ref resourceVersion)));
                }

                await Task.Delay(1);
            }
        }

        var workers = Enumerable.Range(0, 8).Select(_ => Task.Run(WorkerAsync)).Append(Task.Run(FinisherAsync));
        await Task.WhenAll(workers).WaitAsync(TimeSpan.FromMinutes(2));

        Assert.Equal(all.Count, started);
        if (max > 0)
        {
            Assert.True(maxSeen <= max, $"{maxSeen} active at once with maxActiveRuns {max}");
            Assert.Equal(max, maxSeen);
        }

        if (perNamespace > 0)
        {
            Assert.True(maxNsSeen <= perNamespace, $"{maxNsSeen} active in one namespace with maxActiveRunsPerNamespace {perNamespace}");
        }
    }

    private V2TaskRun Add(string ns, string name, string priority = Priorities.Medium, string? phase = null)
    {
        var taskRun = new V2TaskRun
        {
            Metadata = new V1ObjectMeta
            {
                Name = name,
                NamespaceProperty = ns,
                Uid = $"uid-{ns}-{name}",
                CreationTimestamp = time.GetUtcNow().UtcDateTime,
                ResourceVersion = "1",
            },
            Spec = new V2TaskRunSpec { TaskId = 1, ServiceName = "svc", Priority = priority },
            Status = phase is null ? null : new TaskRunStatus { Phase = phase },
        };
        taskRuns.Put(taskRun);
        return taskRun;
    }

    private static V1Job Job(V2TaskRun owner, string name, bool finished, long resourceVersion) => new()
    {
        Metadata = new V1ObjectMeta
        {
            Name = name,
            NamespaceProperty = owner.Metadata.NamespaceProperty,
            ResourceVersion = resourceVersion.ToString(System.Globalization.CultureInfo.InvariantCulture),
            OwnerReferences = [new V1OwnerReference { Kind = TaskRunApi.Kind, Name = owner.Metadata.Name, Uid = owner.Metadata.Uid, Controller = true, ApiVersion = TaskRunApi.V2ApiVersion }],
        },
        Status = finished ? new V1JobStatus { Conditions = [new V1JobCondition { Type = "Complete", Status = "True" }] } : new V1JobStatus(),
    };
}
