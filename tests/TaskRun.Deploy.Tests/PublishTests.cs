using System.Text.RegularExpressions;
using k8s;
using TaskRun.Core.Api;
using TaskRun.Core.Naming;
using TaskRun.Testing;
using Xunit;

namespace TaskRun.Deploy.Tests;

/// <summary>
/// The <c>dotnet publish</c> each Dockerfile runs (there is no Docker engine here), and the published program starts.
/// The controller's is a native-AOT publish: what only native AOT breaks (trimmed-away code, reflection) shows here.
/// </summary>
[Collection(DeployTests.Name)]
public sealed partial class PublishTests(KubernetesFixture fixture) : IDisposable
{
    private readonly string output = Directory.CreateTempSubdirectory("publish-").FullName;

    [Fact]
    public async Task The_controller_Dockerfile_publish_output_starts_becomes_ready_and_reconciles_a_TaskRun()
    {
        var program = await PublishAsDockerfileDoesAsync("Dockerfile.controller");
        var port = DotnetProcess.FreePort();
        var ns = await fixture.CreateNamespaceAsync();
        var log = Path.Combine(output, "controller.log");
        await using var process = DotnetProcess.Start(program,
        [
            $"--Controller:Kubeconfig={fixture.ControlPlane.KubeconfigPath}",
            $"--Controller:MetricsPort={port}",
            $"--Controller:SystemNamespace={ns}",
            $"--Controller:WatchNamespace={ns}",
        ], log);

        await process.WaitForOkAsync(new Uri($"http://127.0.0.1:{port}/readyz"), TimeSpan.FromSeconds(60));
        // A first run end to end: finalizer, validation, the run's ConfigMap and Job, the status write.
        await TaskRunClient.CreateAsync(fixture.Client, SeedTaskRun.Build(ns));
        var running = await Eventually.HoldsAsync(() => TaskRunClient.GetAsync(fixture.Client, ns, SeedTaskRun.Name),
            t => t?.Status?.Phase == Phases.Running, "the published controller to start run 1", TimeSpan.FromSeconds(60),
            context: () => File.Exists(log) ? File.ReadAllText(log) : "");
        Assert.Equal(1, running!.Status!.Attempt);
        Assert.Equal(RunNames.Job(SeedTaskRun.Name, 1), (await fixture.Client.BatchV1.ReadNamespacedJobAsync(running.Status.JobName, ns)).Metadata.Name);
        Assert.NotEmpty((await fixture.Client.CoreV1.ReadNamespacedConfigMapAsync(RunNames.ConfigMap(SeedTaskRun.Name, 1), ns)).Data);
        Assert.Contains("taskrun_reconciliations_total", await new HttpClient().GetStringAsync(new Uri($"http://127.0.0.1:{port}/metrics")));
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

    /// <summary>
    /// Runs the Dockerfile's own publish command, with the output moved to a temporary directory and its build
    /// arguments (<c>ARG NAME=default</c>) at their defaults; returns the program: a .dll, or a native executable.
    /// </summary>
    private async Task<string> PublishAsDockerfileDoesAsync(string dockerfile)
    {
        var text = await File.ReadAllTextAsync(RepositoryPaths.InRoot(dockerfile));
        var match = PublishRegex().Match(text);
        Assert.True(match.Success, $"{dockerfile} has no 'RUN dotnet publish' line");
        var command = match.Groups["args"].Value;
        foreach (Match arg in ArgRegex().Matches(text))
        {
            command = command.Replace("$" + arg.Groups["name"].Value, arg.Groups["value"].Value, StringComparison.Ordinal);
        }

        var arguments = command.Split(' ', StringSplitOptions.RemoveEmptyEntries).ToList();
        var project = arguments[0];
        var outputIndex = arguments.IndexOf("-o");
        arguments[outputIndex + 1] = Path.Combine(output, "app");
        // The Dockerfile restores in its own cached layer; here the restore happens in the same step.
        arguments.Remove("--no-restore");
        // Build in a tree of its own, so the tests running the repository's build output are not disturbed.
        arguments.AddRange(["--artifacts-path", Path.Combine(output, "artifacts")]);

        // A native-AOT publish takes 5 to 10 minutes on a busy 2-core machine.
        var published = await ProcessRunner.RunAsync("dotnet", ["publish", .. arguments], timeout: TimeSpan.FromMinutes(25));
        Assert.True(published.Succeeded, published.ToString());
        var name = Path.GetFileNameWithoutExtension(project);
        var program = Path.Combine(output, "app", arguments.Contains("-p:PublishAot=true") ? name : name + ".dll");
        Assert.True(File.Exists(program), $"publish produced no {program}");
        return program;
    }

    [GeneratedRegex(@"^RUN dotnet publish (?<args>.+)$", RegexOptions.Multiline)]
    private static partial Regex PublishRegex();

    [GeneratedRegex(@"^ARG (?<name>\w+)=(?<value>\S+)$", RegexOptions.Multiline)]
    private static partial Regex ArgRegex();
}
