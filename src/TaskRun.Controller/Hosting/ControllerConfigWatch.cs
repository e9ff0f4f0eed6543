namespace TaskRun.Controller.Hosting;

/// <summary>The hot-reloaded config of the controller: the shared config source, reported as both processes report it.</summary>
public static class ControllerConfigWatch
{
    public static ControllerConfigSource Create(IKubernetes client, string systemNamespace, ControllerMetrics metrics, ILoggerFactory loggers)
    {
        ArgumentNullException.ThrowIfNull(loggers);
        var logger = loggers.CreateLogger<ControllerConfigSource>();
        var source = new ControllerConfigSource(client, new ControllerConfigSourceOptions { Namespace = systemNamespace }, TimeProvider.System, logger);
        ConfigReporter.Attach(source, metrics, client,
            new ConfigReporterOptions("taskrun-controller", "NOT READY, no new runs start"), TimeProvider.System, logger);
        return source;
    }
}
