using System.Text.RegularExpressions;
using k8s;
using TaskRun.Core.Api;
using TaskRun.Core.Naming;
using TaskRun.Testing;
using Xunit;

namespace TaskRun.Deploy.Tests;

/// <summary>
/// The <c>dotnet publish</c> each Dockerfile runs (there is no Docker engine here), and the published program starts.
/// The controller's is a native-AOT publish (hack/publish-controller.sh): what only native AOT breaks (trimmed-away
/// code, reflection) shows here and in every test that runs the controller as a process.
/// </summary>
[Collection(DeployTests.Name)]
public sealed partial class PublishTests(KubernetesFixture fixture) : IDisposable
{
    private readonly string output = Directory.CreateTempSubdirectory("publish-").FullName;

    [Fact]
    public async Task The_controller_Dockerfile_publishes_with_the_script_the_tests_run_the_controller_from()
    {
        var text = await File.ReadAllTextAsync(RepositoryPaths.InRoot("Dockerfile.controller"));
        Assert.Matches(@"(?m)^COPY hack/aot-toolchain\.sh hack/publish-controller\.sh hack/$", text);
        Assert.Matches(@"(?m)^RUN bash hack/publish-controller\.sh /app --no-restore$", text);
        Assert.DoesNotMatch(@"(?m)^RUN dotnet publish", text);
    }

    [Fact]
    public async Task The_published_native_controller_starts_becomes_ready_and_reconciles_a_TaskRun()
    {
        var program = await PublishedControllerAsync();
        Assert.False(program.EndsWith(".dll", StringComparison.Ordinal), $"{program} is not a native executable");
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
    /// The native-AOT controller hack/test.sh published with hack/publish-controller.sh (the Dockerfile's own
    /// command), or, when this test runs alone, the same script's output here: 5 to 10 minutes on 2 busy cores.
    /// </summary>
    private async Task<string> PublishedControllerAsync()
    {
        var published = Environment.GetEnvironmentVariable(DotnetProcess.ControllerProgramVariable);
        if (!string.IsNullOrEmpty(published))
        {
            return published;
        }

        var app = Path.Combine(output, "app");
        var result = await ProcessRunner.RunAsync("bash",
            [RepositoryPaths.InRoot("hack", "publish-controller.sh"), app, "--artifacts-path", Path.Combine(output, "artifacts")],
            timeout: TimeSpan.FromMinutes(25));
        Assert.True(result.Succeeded, result.ToString());
        return Path.Combine(app, "TaskRun.Controller");
    }

    /// <summary>Runs the Dockerfile's own publish command, with the output moved to a temporary directory; returns the .dll.</summary>
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
