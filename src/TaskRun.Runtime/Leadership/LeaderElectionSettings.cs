namespace TaskRun.Runtime.Leadership;

/// <summary>The leader Lease: one active replica, a standby ready to take over.</summary>
public sealed class LeaderElectionSettings
{
    public bool Enabled { get; set; } = true;

    /// <summary>Name of the Lease in the process's (system) namespace; the host sets its default.</summary>
    public string LeaseName { get; set; } = "";

    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromSeconds(15);

    public TimeSpan RenewDeadline { get; set; } = TimeSpan.FromSeconds(10);

    public TimeSpan RetryPeriod { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>This replica's identity in the Lease; defaults to the pod (host) name plus a unique suffix.</summary>
    public string? Identity { get; set; }

    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(LeaseName))
        {
            throw new InvalidOperationException("LeaderElection:LeaseName must name the Lease");
        }

        if (!(RetryPeriod > TimeSpan.Zero && RetryPeriod < RenewDeadline && RenewDeadline < LeaseDuration))
        {
            throw new InvalidOperationException(
                $"LeaderElection timings must satisfy 0 < RetryPeriod ({RetryPeriod}) < RenewDeadline ({RenewDeadline}) < LeaseDuration ({LeaseDuration})");
        }
    }
}
