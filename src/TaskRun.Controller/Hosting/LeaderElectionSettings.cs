namespace TaskRun.Controller.Hosting;

/// <summary>The leader Lease: one active controller, a standby ready to take over.</summary>
public sealed class LeaderElectionSettings
{
    public bool Enabled { get; set; } = true;

    /// <summary>Name of the Lease in the controller's (system) namespace.</summary>
    public string LeaseName { get; set; } = "taskrun-controller-leader";

    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromSeconds(15);

    public TimeSpan RenewDeadline { get; set; } = TimeSpan.FromSeconds(10);

    public TimeSpan RetryPeriod { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>This replica's identity in the Lease; defaults to the pod (host) name plus a unique suffix.</summary>
    public string? Identity { get; set; }

    public void Validate()
    {
        if (!(RetryPeriod > TimeSpan.Zero && RetryPeriod < RenewDeadline && RenewDeadline < LeaseDuration))
        {
            throw new InvalidOperationException(
                $"LeaderElection timings must satisfy 0 < RetryPeriod ({RetryPeriod}) < RenewDeadline ({RenewDeadline}) < LeaseDuration ({LeaseDuration})");
        }
    }
}
