namespace TaskRun.Testing;

/// <summary>Finds the repository from a test's output directory, so tests use the real scripts and manifests.</summary>
public static class RepositoryPaths
{
    public static string Root { get; } = FindRoot();

    public static string ControlPlaneScript => Path.Combine(Root, "hack", "control-plane.sh");

    public static string CrdFile => Path.Combine(Root, "deploy", "crd", "taskruns.orchestrator.io.yaml");

    public static string InRoot(params string[] parts) => Path.Combine([Root, .. parts]);

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Webhooks.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"no Webhooks.sln above {AppContext.BaseDirectory}: tests must run from the repository");
    }
}
