using k8s;
using k8s.Models;
using TaskRun.Core.Api;
using TaskRun.Core.Naming;
using TaskRun.Testing;
using Xunit;

namespace TaskRun.E2E.Tests;

/// <summary>The seed TaskRun on a real Pod: the init container lays out the files, the agent sees every byte.</summary>
public sealed class SeedRunTests
{
    private static readonly TaskFile[] AwkwardFiles =
    [
        new() { Name = "windows-notes.md", Type = FileTypes.Context, Content = "line one\r\nline two\r\n" },
        new() { Name = "unicode.md", Type = FileTypes.Context, Content = "Grüße aus Köln — 世界, ✓ and 🚀\n" },
        new() { Name = "no-trailing-newline.md", Type = FileTypes.Context, Content = "the last line has no newline" },
        new() { Name = "release.v2.1.notes.md", Type = FileTypes.Context, Content = "# A dotted name\n\n- item\n" },
    ];

    [Fact]
    public async Task The_seed_TaskRun_reaches_Succeeded_on_a_real_Pod_and_the_agent_sees_every_file_byte_for_byte()
    {
        var cluster = await LocalCluster.Shared;
        var client = cluster.Client;
        var ns = await cluster.CreateNamespaceAsync("seed");
        var seed = SeedTaskRun.Build(ns);
        seed.Spec.Files!.AddRange(AwkwardFiles);
        var name = seed.Metadata.Name;

        await TaskRunClient.CreateAsync(client, seed);
        var done = await TaskRuns.WaitForPhaseAsync(client, ns, name, Phases.Succeeded, TimeSpan.FromMinutes(3));

        // Nobody but the Job controller wrote the Job's status: one Pod succeeded, and the status manager is it.
        var job = await TaskRuns.JobAsync(client, ns, RunNames.Job(name, 1));
        Assert.NotNull(job);
        Assert.Equal(1, job.Status?.Succeeded);
        Assert.Contains(job.Metadata.ManagedFields ?? [], f => f.Manager == "kube-controller-manager");
        var pod = Assert.Single(await TaskRuns.PodsOfRunAsync(client, ns, name, 1));
        Assert.Equal("Succeeded", pod.Status.Phase);

        // kubectl logs of the agent: the tree and a sha256 per file equal to the TaskRun's content.
        var logs = await cluster.KubectlAsync("logs", "-n", ns, $"job/{RunNames.Job(name, 1)}", "-c", "claude-agent");
        Assert.True(logs.Succeeded, logs.ToString());
        var log = logs.StandardOutput;
        Assert.Contains("\n./.task/1001/run-1/task.md\n", log);
        Assert.Contains("\n./CLAUDE.md\n", log);
        foreach (var file in seed.Spec.Files)
        {
            Assert.Contains($"{TaskRuns.Sha256(file.Content!)}  ./.task/1001/run-1/{file.Name}\n", log);
        }

        // CLAUDE.md and metadata.yaml are the controller's: the agent sees exactly what the run's ConfigMap holds.
        var configMap = await client.CoreV1.ReadNamespacedConfigMapAsync(RunNames.ConfigMap(name, 1), ns);
        Assert.Contains($"{TaskRuns.Sha256(configMap.Data["CLAUDE.md"])}  ./CLAUDE.md\n", log);
        Assert.Contains($"{TaskRuns.Sha256(configMap.Data["metadata.yaml"])}  ./.task/1001/run-1/metadata.yaml\n", log);
        Assert.Contains("@.task/1001/run-1/release.v2.1.notes.md", configMap.Data["CLAUDE.md"]);

        var init = await cluster.KubectlAsync("logs", "-n", ns, pod.Metadata.Name, "-c", "prepare-workspace");
        Assert.True(init.Succeeded, init.ToString());
        Assert.Contains($"prepare-workspace: {seed.Spec.Files.Count + 1} files in /workspace/auth-service/.task/1001/run-1", init.StandardOutput);

        // The agent's last words are in the status, and quoted in its message.
        Assert.StartsWith("stand-in agent: task 1001 run 1 done", done.Status!.AgentMessage);
        Assert.Contains(done.Status.AgentMessage!, done.Status.Message);

        // The workspace PVC bound a local volume the non-root agent (uid 1000) could write: its result file is there.
        var claim = await client.CoreV1.ReadNamespacedPersistentVolumeClaimAsync("auth-service-workspace-pvc", ns);
        Assert.Equal("Bound", claim.Status.Phase);
        var volume = await client.CoreV1.ReadPersistentVolumeAsync(claim.Spec.VolumeName);
        var result = Path.Combine(volume.Spec.HostPath.Path, "auth-service", ".task", "1001", "run-1", "result.md");
        Assert.True(File.Exists(result), $"{result} is missing");
        Assert.Contains("The stand-in agent read", await File.ReadAllTextAsync(result));
        var owner = await ProcessRunner.RunAsync("stat", ["-c", "%u:%g", result]);
        Assert.Equal("1000:1000", owner.StandardOutput.Trim());
    }
}
