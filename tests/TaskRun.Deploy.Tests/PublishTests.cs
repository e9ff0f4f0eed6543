using System.Text.RegularExpressions;
using TaskRun.Testing;
using Xunit;

namespace TaskRun.Deploy.Tests;

/// <summary>The <c>dotnet publish</c> each Dockerfile runs (there is no Docker engine here), and the published program starts.</summary>
[Collection(DeployTests.Name)]
public sealed partial class PublishTests(KubernetesFixture fixture) : IDisposable
{
    private readonly string output = Directory.CreateTempSubdirectory("publish-").FullName;

    [Fact]
    public async Task The_controller_Dockerfile_publish_output_starts_and_becomes_ready()
    {
        var dll = await PublishAsDockerfileDoesAsync("Dockerfile.controller");
        var port = DotnetProcess.FreePort();
        var ns = await fixture.CreateNamespaceAsync();
        await using var process = DotnetProcess.Start(dll,
        [
            $"--Controller:Kubeconfig={fixture.ControlPlane.KubeconfigPath}",
            $"--Controller:MetricsPort={port}",
            $"--Controller:SystemNamespace={ns}",
            $"--Controller:WatchNamespace={ns}",
        ], Path.Combine(output, "controller.log"));

        await process.WaitForOkAsync(new Uri($"http://127.0.0.1:{port}/readyz"), TimeSpan.FromSeconds(60));
    }

    [Fact]
    public async Task The_webhook_Dockerfile_publish_output_starts_and_becomes_ready_with_a_certificate()
    {
        var dll = await PublishAsDockerfileDoesAsync("Dockerfile.webhook");
        var certs = Path.Combine(output, "certs");
        var generated = await ProcessRunner.RunAsync("bash", [RepositoryPaths.InRoot("hack", "certs.sh"), certs]);
        Assert.True(generated.Succeeded, generated.ToString());
        var port = DotnetProcess.FreePort();
        await using var process = DotnetProcess.Start(dll,
        [
            "--Webhook:TlsPort=0",
            $"--Webhook:HealthPort={port}",
            "--Webhook:BindAddress=127.0.0.1",
            $"--Webhook:CertDirectory={certs}",
            "--Webhook:WatchConfig=false",
        ], Path.Combine(output, "webhook.log"));

        await process.WaitForOkAsync(new Uri($"http://127.0.0.1:{port}/readyz"), TimeSpan.FromSeconds(60));
    }

    public void Dispose() => Directory.Delete(output, recursive: true);

    /// <summary>Runs the Dockerfile's own publish command, with the output moved to a temporary directory.</summary>
    private async Task<string> PublishAsDockerfileDoesAsync(string dockerfile)
    {
        var text = await File.ReadAllTextAsync(RepositoryPaths.InRoot(dockerfile));
        var match = PublishRegex().Match(text);
        Assert.True(match.Success, $"{dockerfile} has no 'RUN dotnet publish' line");
        var arguments = match.Groups["args"].Value.Split(' ', StringSplitOptions.RemoveEmptyEntries).ToList();
        var project = arguments[0];
        var outputIndex = arguments.IndexOf("-o");
        arguments[outputIndex + 1] = Path.Combine(output, "app");
        // The Dockerfile restores in its own cached layer; here the restore happens in the same step.
        arguments.Remove("--no-restore");
        // Build in a tree of its own, so the tests running the repository's build output are not disturbed.
        arguments.AddRange(["--artifacts-path", Path.Combine(output, "artifacts")]);

        var published = await ProcessRunner.RunAsync("dotnet", ["publish", .. arguments], timeout: TimeSpan.FromMinutes(10));
        Assert.True(published.Succeeded, published.ToString());
        var dll = Path.Combine(output, "app", Path.GetFileNameWithoutExtension(project) + ".dll");
        Assert.True(File.Exists(dll), $"publish produced no {dll}");
        return dll;
    }

    [GeneratedRegex(@"^RUN dotnet publish (?<args>.+)$", RegexOptions.Multiline)]
    private static partial Regex PublishRegex();
}
