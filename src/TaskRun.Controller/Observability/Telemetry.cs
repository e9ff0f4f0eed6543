namespace TaskRun.Controller;

/// <summary>Names shared by the controller's traces.</summary>
public static class Telemetry
{
    public const string SourceName = "TaskRun.Controller";
}
