using System.Globalization;
using System.Text.RegularExpressions;
using TaskRun.Testing;
using TaskRun.Webhook.Tests.Support;
using YamlDotNet.RepresentationModel;

namespace TaskRun.Webhook.Tests.Load;

/// <summary>
/// The built webhook as a process of its own, on loopback, with the memory settings of
/// deploy/webhook/deployment.yaml (its container memory limit and its DOTNET_* environment), so its resident
/// memory can be measured the way the kubelet sees it.
/// </summary>
internal sealed partial class WebhookProcess : IAsyncDisposable
{
    private readonly DotnetProcess process;
    private readonly TempDirectory certificates;

    private WebhookProcess(DotnetProcess process, TempDirectory certificates, TestCertificates ca, int tlsPort, int healthPort)
    {
        this.process = process;
        this.certificates = certificates;
        Ca = ca;
        TlsUri = new Uri($"https://127.0.0.1:{tlsPort}");
        HealthUri = new Uri($"http://127.0.0.1:{healthPort}");
    }

    public TestCertificates Ca { get; }

    public Uri TlsUri { get; }

    public Uri HealthUri { get; }

    public int Id => process.Id;

    public bool HasExited => process.HasExited;

    public string ReadLog() => process.ReadLog();

    /// <summary>The Deployment's container memory limit, in bytes.</summary>
    public static long DeploymentMemoryLimitBytes => ParseQuantity(DeploymentContainer()["resources"]["limits"]["memory"].ToString());

    /// <param name="settings">More <c>--Webhook:*</c> settings, e.g. the config namespace.</param>
    public static async Task<WebhookProcess> StartAsync(IEnumerable<string>? settings = null)
    {
        var certificates = new TempDirectory();
        var ca = new TestCertificates("webhook-load-ca");
        ca.WriteServingPair(certificates.Path);
        int tlsPort = DotnetProcess.FreePort(), healthPort = DotnetProcess.FreePort();
        var process = DotnetProcess.Start(DotnetProcess.BuiltDll("TaskRun.Webhook"),
        [
            $"--Webhook:TlsPort={tlsPort}",
            $"--Webhook:HealthPort={healthPort}",
            "--Webhook:BindAddress=127.0.0.1",
            $"--Webhook:CertDirectory={certificates.Path}",
            "--Webhook:WatchConfig=false",
            "--Serilog:MinimumLevel:Default=Error",
            .. settings ?? [],
        ], Path.Combine(certificates.Path, "webhook.log"), DeploymentEnvironment());
        var webhook = new WebhookProcess(process, certificates, ca, tlsPort, healthPort);
        await process.WaitForOkAsync(new Uri(webhook.HealthUri, "/readyz"), TimeSpan.FromSeconds(60));
        return webhook;
    }

    /// <summary>Resident set size now, from /proc (what a container's memory limit is enforced on, near enough).</summary>
    public long ResidentBytes() => StatusKilobytes("VmRSS") * 1024;

    /// <summary>The peak resident set size since the process started (the kernel's high-water mark).</summary>
    public long PeakResidentBytes() => StatusKilobytes("VmHWM") * 1024;

    private long StatusKilobytes(string field)
    {
        foreach (var line in File.ReadLines($"/proc/{process.Id}/status"))
        {
            if (line.StartsWith(field + ":", StringComparison.Ordinal))
            {
                return long.Parse(line[(field.Length + 1)..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
            }
        }

        throw new InvalidOperationException($"no {field} in /proc/{process.Id}/status");
    }

    /// <summary>The DOTNET_* and MALLOC_* variables the Deployment sets; outside a container they stand in for the cgroup limit.</summary>
    private static Dictionary<string, string> DeploymentEnvironment()
    {
        var environment = new Dictionary<string, string>();
        if (DeploymentContainer().Children.TryGetValue("env", out var env))
        {
            foreach (var variable in ((YamlSequenceNode)env).Children.Cast<YamlMappingNode>())
            {
                var name = variable["name"].ToString();
                if ((name.StartsWith("DOTNET_", StringComparison.Ordinal) || name.StartsWith("MALLOC_", StringComparison.Ordinal)) && variable.Children.TryGetValue("value", out var value))
                {
                    environment[name] = value.ToString();
                }
            }
        }

        return environment;
    }

    private static YamlMappingNode DeploymentContainer()
    {
        var yaml = new YamlStream();
        yaml.Load(new StringReader(File.ReadAllText(RepositoryPaths.InRoot("deploy", "webhook", "deployment.yaml"))));
        var root = (YamlMappingNode)yaml.Documents[0].RootNode;
        var containers = (YamlSequenceNode)root["spec"]["template"]["spec"]["containers"];
        return containers.Children.Cast<YamlMappingNode>().Single(c => c["name"].ToString() == "webhook");
    }

    private static long ParseQuantity(string quantity)
    {
        var match = QuantityRegex().Match(quantity);
        if (!match.Success)
        {
            throw new FormatException($"unexpected memory limit \"{quantity}\" in deploy/webhook/deployment.yaml");
        }

        var factor = match.Groups[2].Value switch { "Ki" => 1L << 10, "Mi" => 1L << 20, "Gi" => 1L << 30, _ => 1L };
        return long.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture) * factor;
    }

    [GeneratedRegex("^([0-9]+)(Ki|Mi|Gi)?$")]
    private static partial Regex QuantityRegex();

    public async ValueTask DisposeAsync()
    {
        await process.DisposeAsync();
        Ca.Dispose();
        certificates.Dispose();
    }
}
