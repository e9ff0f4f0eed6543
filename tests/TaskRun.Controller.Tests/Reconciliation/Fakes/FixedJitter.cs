namespace TaskRun.Controller.Tests.Reconciliation;

/// <summary>A random source that always draws <see cref="Value"/> (in [0, 1)): the backoff's jitter made exact.</summary>
internal sealed class FixedJitter(double value) : Random
{
    public double Value { get; set; } = value;

    public override double NextDouble() => Value;

    protected override double Sample() => Value;
}
