using System.Collections.Concurrent;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using TaskRun.Runtime.Tests.Fakes;
using Xunit;

namespace TaskRun.Runtime.Tests;

/// <summary>The generic controller loop over a scripted reconciler, a real work queue and a fake clock.</summary>
public sealed class ControllerLoopTests : IDisposable
{
    private readonly FakeTimeProvider time = new();
    private readonly WorkQueue<string> queue;
    private readonly ScriptedReconciler reconciler = new();
    private readonly RecordingReporter reporter = new();
    private readonly CountingMetrics metrics = new();
    private readonly CancellationTokenSource stop = new();

    public ControllerLoopTests() =>
        queue = new WorkQueue<string>(new WorkQueueOptions(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(60)), time, new Random(3));

    [Fact]
    public async Task A_failed_reconcile_is_retried_after_a_growing_jittered_backoff_and_a_success_forgets_the_failures()
    {
        reconciler.Script("a", Fail, Fail, Done);
        var running = Run(workers: 2);

        queue.Add("a");
        await Eventually.TrueAsync(() => reporter.Reports.Count == 1, "the first failure reported");
        var first = reporter.Reports[0];
        Assert.Equal(("a", 1), (first.Key, first.Failures));
        Assert.InRange(first.RetryIn.TotalSeconds, 0.5, 1);
        await AdvanceThroughAsync(first.RetryIn, "a", calls: 2);

        await Eventually.TrueAsync(() => reporter.Reports.Count == 2, "the second failure reported");
        var second = reporter.Reports[1];
        Assert.Equal(2, second.Failures);
        Assert.InRange(second.RetryIn.TotalSeconds, 1, 2);
        await AdvanceThroughAsync(second.RetryIn, "a", calls: 3);

        await Eventually.TrueAsync(() => metrics.Successes == 1, "the success counted");
        Assert.Equal(0, queue.Failures("a"));
        Assert.Equal(2, metrics.Errors);
        Assert.Equal(2, metrics.WorkersSet);
        await StopAsync(running);
    }

    [Fact]
    public async Task A_requested_requeue_after_brings_the_key_back_after_that_delay_and_no_sooner()
    {
        reconciler.Script("a", _ => ReconcileResult.After(TimeSpan.FromSeconds(30)), Done);
        var running = Run(workers: 1);

        queue.Add("a");
        await AdvanceThroughAsync(TimeSpan.FromSeconds(30), "a", calls: 2);

        Assert.Equal(1, metrics.RequeuedAfter);
        Assert.Empty(reporter.Reports);
        Assert.Equal(0, queue.Failures("a"));
        await StopAsync(running);
    }

    [Fact]
    public async Task An_expected_error_is_retried_with_backoff_but_not_reported()
    {
        reporter.Expected = e => e is TimeoutException;
        reconciler.Script("a", _ => throw new TimeoutException("conflict"), Done);
        var running = Run(workers: 1);

        queue.Add("a");
        await Eventually.TrueAsync(() => queue.Failures("a") == 1, "the failure counted");
        await Eventually.TrueAsync(() => metrics.Errors == 1, "the error metric");

        Assert.Empty(reporter.Reports);
        await StopAsync(running);
    }

    [Fact]
    public async Task A_key_is_never_reconciled_by_two_workers_at_once_and_an_add_meanwhile_runs_once_more_afterwards()
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        reconciler.Script("a", _ => Wait(release.Task), Done);
        reconciler.Script("b", Done);
        var running = Run(workers: 4);

        queue.Add("a");
        await Eventually.TrueAsync(() => reconciler.Calls("a") == 1, "a taken");
        for (var i = 0; i < 5; i++)
        {
            queue.Add("a");
        }

        queue.Add("b");
        await Eventually.TrueAsync(() => reconciler.Calls("b") == 1, "b reconciled by a free worker");
        Assert.Equal(1, reconciler.Calls("a"));

        release.SetResult();
        await Eventually.TrueAsync(() => reconciler.Calls("a") == 2, "a again after Done");
        await Eventually.TrueAsync(() => metrics.Successes == 3, "every reconcile finished");
        Assert.Equal(2, reconciler.Calls("a"));
        Assert.Equal(1, reconciler.MostAtOnce("a"));
        await StopAsync(running);
    }

    public void Dispose()
    {
        queue.Dispose();
        stop.Dispose();
    }

    private static ReconcileResult Fail(int call) => throw new InvalidOperationException($"failure {call}");

    private static ReconcileResult Done(int call) => ReconcileResult.Done;

    private static ReconcileResult Wait(Task task)
    {
        task.Wait();
        return ReconcileResult.Done;
    }

    private Task Run(int workers) =>
        new ControllerLoop<string>(queue, reconciler, metrics, time, NullLogger.Instance, reporter).RunAsync(workers, stop.Token);

    /// <summary>Moves the clock to just before <paramref name="delay"/> (the key must not be back), then onto it (it must).</summary>
    private async Task AdvanceThroughAsync(TimeSpan delay, string key, int calls)
    {
        await Eventually.TrueAsync(() => metrics.Finished == calls - 1, "the previous reconcile to finish");
        time.Advance(delay - TimeSpan.FromMilliseconds(1));
        Assert.Equal(0, queue.Depth);
        Assert.Equal(calls - 1, reconciler.Calls(key));
        time.Advance(TimeSpan.FromMilliseconds(1));
        await Eventually.TrueAsync(() => reconciler.Calls(key) == calls, $"reconcile {calls} of {key}");
    }

    private async Task StopAsync(Task running)
    {
        await stop.CancelAsync();
        await running.WaitAsync(TimeSpan.FromSeconds(10));
    }

    /// <summary>Runs each key's scripted steps in order (the last one repeats), counting calls and overlap.</summary>
    private sealed class ScriptedReconciler : IReconciler<string>
    {
        private readonly ConcurrentDictionary<string, Func<int, ReconcileResult>[]> scripts = new();
        private readonly ConcurrentDictionary<string, int> calls = new();
        private readonly ConcurrentDictionary<string, int> running = new();
        private readonly ConcurrentDictionary<string, int> mostAtOnce = new();

        public void Script(string key, params Func<int, ReconcileResult>[] steps) => scripts[key] = steps;

        public int Calls(string key) => calls.GetValueOrDefault(key);

        public int MostAtOnce(string key) => mostAtOnce.GetValueOrDefault(key);

        public Task<ReconcileResult> ReconcileAsync(string key, CancellationToken cancellationToken) => Task.Run(() =>
        {
            var call = calls.AddOrUpdate(key, 1, (_, n) => n + 1);
            var now = running.AddOrUpdate(key, 1, (_, n) => n + 1);
            mostAtOnce.AddOrUpdate(key, now, (_, most) => Math.Max(most, now));
            try
            {
                var steps = scripts[key];
                return steps[Math.Min(call, steps.Length) - 1](call);
            }
            finally
            {
                running.AddOrUpdate(key, 0, (_, n) => n - 1);
            }
        }, CancellationToken.None);
    }

    private sealed class RecordingReporter : IReconcileErrorReporter<string>
    {
        private readonly ConcurrentQueue<(string Key, int Failures, TimeSpan RetryIn)> reports = new();

        public Func<Exception, bool> Expected { get; set; } = _ => false;

        public List<(string Key, int Failures, TimeSpan RetryIn)> Reports => [.. reports];

        public bool IsExpected(Exception failure) => Expected(failure);

        public Task ReportAsync(string key, Exception failure, int failures, TimeSpan retryIn, CancellationToken cancellationToken)
        {
            reports.Enqueue((key, failures, retryIn));
            return Task.CompletedTask;
        }
    }

    private sealed class CountingMetrics : IControllerMetrics, IDisposable
    {
        private int successes;
        private int errors;
        private int requeuedAfter;
        private int finished;

        public int Successes => Volatile.Read(ref successes);

        public int Errors => Volatile.Read(ref errors);

        public int RequeuedAfter => Volatile.Read(ref requeuedAfter);

        /// <summary>Reconciles whose worker let go of the key's metrics scope (counted before the queue's Done).</summary>
        public int Finished => Volatile.Read(ref finished);

        public int WorkersSet { get; private set; }

        public void SetWorkers(int workers) => WorkersSet = workers;

        public IDisposable WorkStarted() => this;

        public void Reconciled(bool success, TimeSpan duration, bool requeueAfter = false)
        {
            Interlocked.Increment(ref success ? ref successes : ref errors);
            if (requeueAfter)
            {
                Interlocked.Increment(ref requeuedAfter);
            }
        }

        public void Dispose() => Interlocked.Increment(ref finished);
    }
}
