using k8s;

namespace TaskRun.Testing;

/// <summary>
/// A real etcd + kube-apiserver for tests, started by <c>hack/control-plane.sh</c> in a directory of its own
/// (so it never collides with a developer's local one), once per test process, and stopped when the
/// process exits. When <c>KUBECONFIG</c> points at a running control plane made by that script, it is
/// reused instead. A control plane that cannot start fails the tests with the script's reason: they
/// never skip.
/// </summary>
public sealed class ControlPlane
{
    private static readonly Lazy<Task<ControlPlane>> SharedInstance = new(StartOrReuseAsync);

    private ControlPlane(string directory, string kubeconfigPath, bool ownsProcesses)
    {
        Directory = directory;
        KubeconfigPath = kubeconfigPath;
        OwnsProcesses = ownsProcesses;
        Environment = ReadEnvFile(Path.Combine(directory, "env"));
    }

    /// <summary>The control plane of this test process.</summary>
    public static Task<ControlPlane> Shared => SharedInstance.Value;

    public string Directory { get; }

    public string KubeconfigPath { get; }

    public bool OwnsProcesses { get; }

    /// <summary>The script's recorded values: KUBECONFIG, ETCD_ENDPOINT, KUBE_APISERVER_URL, pids.</summary>
    public IReadOnlyDictionary<string, string> Environment { get; }

    public IKubernetes CreateClient() =>
        new Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(KubeconfigPath));

    public KubernetesClientConfiguration ClientConfiguration() =>
        KubernetesClientConfiguration.BuildConfigFromConfigFile(KubeconfigPath);

    /// <summary>Runs the control-plane script against this instance (e.g. <c>restart-apiserver</c>).</summary>
    public Task<CommandResult> RunScriptAsync(string command, TimeSpan? timeout = null, IReadOnlyDictionary<string, string>? environment = null) =>
        ProcessRunner.RunAsync("bash", [RepositoryPaths.ControlPlaneScript, command],
            new Dictionary<string, string>(environment ?? new Dictionary<string, string>()) { ["CONTROL_PLANE_DIR"] = Directory }, timeout: timeout ?? TimeSpan.FromMinutes(2));

    private static async Task<ControlPlane> StartOrReuseAsync()
    {
        var reusable = FindReusable();
        if (reusable is not null)
        {
            return reusable;
        }

        return await StartDedicatedAsync();
    }

    /// <summary>
    /// A control plane of its own, never a reused one, for tests that run a controller over every namespace
    /// (whatever other tests left in the shared one would be theirs to reconcile). Stopped with this process.
    /// </summary>
    public static async Task<ControlPlane> StartDedicatedAsync()
    {
        var directory = RepositoryPaths.InRoot(".local", $"test-{System.Environment.ProcessId}-{Guid.NewGuid().ToString("N")[..6]}");
        var up = await ProcessRunner.RunAsync("bash", [RepositoryPaths.ControlPlaneScript, "up"],
            new Dictionary<string, string> { ["CONTROL_PLANE_DIR"] = directory }, timeout: TimeSpan.FromMinutes(30));
        if (!up.Succeeded)
        {
            throw new InvalidOperationException($"the test control plane did not start (hack/control-plane.sh up, CONTROL_PLANE_DIR={directory}):\n{up}");
        }

        await StopWhenThisProcessEndsAsync(directory);
        return new ControlPlane(directory, Path.Combine(directory, "kubeconfig"), ownsProcesses: true);
    }

    /// <summary>Reuses a running control plane of ours that KUBECONFIG points at; never a real cluster.</summary>
    private static ControlPlane? FindReusable()
    {
        var kubeconfig = System.Environment.GetEnvironmentVariable("KUBECONFIG");
        if (string.IsNullOrEmpty(kubeconfig) || !File.Exists(kubeconfig))
        {
            return null;
        }

        var directory = Path.GetDirectoryName(Path.GetFullPath(kubeconfig))!;
        var envFile = Path.Combine(directory, "env");
        if (!File.Exists(envFile))
        {
            // .local/kubeconfig is a copy; the instance's env file sits in .local/control-plane.
            envFile = Path.Combine(directory, "control-plane", "env");
            directory = Path.Combine(directory, "control-plane");
        }

        return File.Exists(envFile) ? new ControlPlane(directory, kubeconfig, ownsProcesses: false) : null;
    }

    /// <summary>
    /// A detached watchdog stops the control plane once this test process is gone, however it ends (a test
    /// host is often killed before exit handlers finish, and kill -9 runs none).
    /// </summary>
    private static async Task StopWhenThisProcessEndsAsync(string directory)
    {
        var watchdog =
            $"while kill -0 {System.Environment.ProcessId} 2>/dev/null; do sleep 1; done; " +
            $"CONTROL_PLANE_DIR='{directory}' bash '{RepositoryPaths.ControlPlaneScript}' down && rm -f '{directory}.watchdog.log'";
        var started = await ProcessRunner.RunAsync("bash",
            ["-c", $"setsid nohup bash -c \"{watchdog}\" >'{directory}.watchdog.log' 2>&1 </dev/null &"]);
        if (!started.Succeeded)
        {
            throw new InvalidOperationException($"could not start the control plane's watchdog:\n{started}");
        }
    }

    private static Dictionary<string, string> ReadEnvFile(string path)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        if (!File.Exists(path))
        {
            return values;
        }

        foreach (var line in File.ReadAllLines(path))
        {
            var text = line.StartsWith("export ", StringComparison.Ordinal) ? line[7..] : line;
            var equals = text.IndexOf('=', StringComparison.Ordinal);
            if (equals > 0)
            {
                values[text[..equals].Trim()] = text[(equals + 1)..].Trim().Trim('"', '\'');
            }
        }

        return values;
    }
}
