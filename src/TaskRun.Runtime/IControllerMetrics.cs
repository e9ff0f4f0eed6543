namespace TaskRun.Runtime;

/// <summary>What a <see cref="ControllerLoop{TKey}"/> reports; the host maps it to Prometheus (controller_runtime_* names).</summary>
public interface IControllerMetrics
{
    static IControllerMetrics None { get; } = new NoMetrics();

    void SetWorkers(int workers);

    /// <summary>A worker took a key; the result is disposed when its reconcile ends.</summary>
    IDisposable WorkStarted();

    void Reconciled(bool success, TimeSpan duration, bool requeueAfter = false);

    private sealed class NoMetrics : IControllerMetrics, IDisposable
    {
        public void SetWorkers(int workers) { }

        public IDisposable WorkStarted() => this;

        public void Reconciled(bool success, TimeSpan duration, bool requeueAfter = false) { }

        public void Dispose() { }
    }
}
