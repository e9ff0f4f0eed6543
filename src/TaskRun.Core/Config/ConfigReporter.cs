using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;

namespace TaskRun.Core.Config;

/// <summary>The <c>result</c> label of the config update counters, the same in both processes.</summary>
public static class ConfigUpdateResults
{
    /// <summary>A valid ConfigMap is now in use.</summary>
    public const string Applied = "applied";

    /// <summary>No ConfigMap (missing at start, or deleted): the built-in defaults are in use.</summary>
    public const string Defaults = "defaults";

    /// <summary>An invalid ConfigMap was not applied (the last good config stays, or the process fails closed).</summary>
    public const string Rejected = "rejected";

    /// <summary>Listing or watching the ConfigMap failed; the informer retries.</summary>
    public const string WatchError = "watch_error";
}

/// <summary>What the config reporter counts; each process maps it to its own metric names.</summary>
public interface IConfigMetrics
{
    /// <summary>One config update by its <see cref="ConfigUpdateResults"/> label.</summary>
    void ConfigUpdated(string result);

    /// <summary>False while the stored config is invalid and no valid one is known (fail closed).</summary>
    void SetConfigValid(bool valid);
}

/// <param name="Component">The process, as the InvalidConfig Event's reporting component (taskrun-controller, taskrun-webhook).</param>
/// <param name="WhenBlocked">What this process does while it fails closed, for the error log line.</param>
/// <param name="EmitEvents">Whether to put an InvalidConfig Warning Event on a rejected ConfigMap.</param>
public sealed record ConfigReporterOptions(string Component, string WhenBlocked, bool EmitEvents = true);

/// <summary>
/// Tells operators what the live config did, the same way in both processes: every change is logged and
/// counted (<see cref="ConfigUpdateResults"/>); the defaults after a missing or deleted ConfigMap are logged as
/// a warning, since they silently change behaviour; an invalid config is logged as an error and reported as an
/// <see cref="InvalidConfigEvent"/> on the ConfigMap; the validity gauge follows fail-closed.
/// </summary>
public static class ConfigReporter
{
    /// <summary>Reports every change of <paramref name="source"/> from now on.</summary>
    public static void Attach(ControllerConfigSource source, IConfigMetrics metrics, IKubernetes client, ConfigReporterOptions options, TimeProvider time, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(metrics);
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(time);
        ArgumentNullException.ThrowIfNull(logger);
        var reporter = new Subscriber(source, metrics, client, options, time, logger);
        source.Changed += (_, e) => reporter.OnChanged(e);
        source.Rejected += (_, e) => reporter.OnRejected(e);
        // The informer logs each failure itself; here it is only counted.
        source.WatchFailed += (_, _) => metrics.ConfigUpdated(ConfigUpdateResults.WatchError);
    }

    private sealed class Subscriber(ControllerConfigSource source, IConfigMetrics metrics, IKubernetes client, ConfigReporterOptions options, TimeProvider time, ILogger logger)
    {
        public void OnChanged(ConfigChangedEventArgs e)
        {
            metrics.SetConfigValid(true);
            if (e.Origin == ConfigOrigin.BuiltInDefaults)
            {
                metrics.ConfigUpdated(ConfigUpdateResults.Defaults);
                logger.LogWarning("config: {Description}: the BUILT-IN DEFAULTS are in use (limits.maxFileBytes {MaxFileBytes}, agent.allowOverrides {AllowOverrides})",
                    e.Description, e.Config.Limits.MaxFileBytes, e.Config.Agent.AllowOverrides);
                return;
            }

            metrics.ConfigUpdated(ConfigUpdateResults.Applied);
            logger.LogInformation("config: {Description}; new work uses it (limits.maxFileBytes {MaxFileBytes}, agent.allowOverrides {AllowOverrides})",
                e.Description, e.Config.Limits.MaxFileBytes, e.Config.Agent.AllowOverrides);
        }

        public void OnRejected(ConfigRejectedEventArgs e)
        {
            metrics.ConfigUpdated(ConfigUpdateResults.Rejected);
            var metadata = e.ConfigMap.Metadata;
            if (e.Blocked)
            {
                metrics.SetConfigValid(false);
                logger.LogError("config in ConfigMap {Namespace}/{Name} (resourceVersion {ResourceVersion}) is invalid and no valid config is known: {WhenBlocked} until a valid config is applied (or the ConfigMap is deleted for the built-in defaults): {Errors}",
                    source.Namespace, source.Name, metadata?.ResourceVersion, options.WhenBlocked, e.Summary);
            }
            else
            {
                logger.LogError("config in ConfigMap {Namespace}/{Name} (resourceVersion {ResourceVersion}) is invalid and was NOT applied; keeping the last good config: {Errors}",
                    source.Namespace, source.Name, metadata?.ResourceVersion, e.Summary);
            }

            if (options.EmitEvents)
            {
                _ = RecordWarningAsync(e.ConfigMap, e.Summary, e.Blocked);
            }
        }

        /// <summary>A Warning Event on the ConfigMap, one per bad version however many replicas see it.</summary>
        private async Task RecordWarningAsync(V1ConfigMap configMap, string errors, bool blocked)
        {
            try
            {
                await InvalidConfigEvent.RecordAsync(client, configMap, errors, options.Component, time.GetUtcNow().UtcDateTime, blocked);
            }
            catch (Exception error) when (error is not OutOfMemoryException)
            {
                logger.LogWarning("could not record the InvalidConfig Warning Event: {Error}", error.Message);
            }
        }
    }
}
