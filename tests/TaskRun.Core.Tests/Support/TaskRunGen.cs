using CsCheck;
using k8s.Models;
using TaskRun.Core.Api;

namespace TaskRun.Core.Tests.Support;

/// <summary>Random typed v2 TaskRuns: any input (valid or not), and valid but not yet defaulted input.</summary>
internal static class TaskRunGen
{
    private static readonly string[] WellKnownFileNames = ["task.md", "design-spec.md", "prompt.md", "acceptance-criteria.md"];

    private static readonly Gen<string> ValidFileName = Gen.OneOf(
        Gen.OneOf(WellKnownFileNames),
        Gen.Select(Gen.Char.AlphaNumeric, Gen.String[Gen.Char["abcXYZ019_-"], 0, 12]).Select((first, rest) => first + rest + ".md"));

    private static readonly Gen<Dictionary<string, string>?> OtherLabels =
        Gen.Dictionary(Gen.OneOf("app", "team", "env", TaskRunLabels.TaskId, TaskRunLabels.Service, TaskRunLabels.Priority), JsonGen.DnsLabel)[1, 4]
            .Null(0.4);

    private static readonly Gen<Dictionary<string, string>?> Annotations =
        Gen.Dictionary(Gen.OneOf("note", "kubectl.kubernetes.io/last-applied-configuration"), JsonGen.UnicodeText)[1, 2]
            .Null(0.6);

    private static readonly Gen<V1ResourceRequirements?> Resources =
        Gen.Select(Gen.Bool, Gen.OneOf("250m", "1", "2", "1.5"), Gen.OneOf("2Gi", "4Gi", "8Gi"))
            .Select((withLimits, cpu, memory) => new V1ResourceRequirements
            {
                Requests = new Dictionary<string, ResourceQuantity> { ["cpu"] = new(cpu) },
                Limits = withLimits ? new Dictionary<string, ResourceQuantity> { ["memory"] = new(memory) } : null,
            })
            .Null(0.5);

    private static readonly Gen<AgentOverride?> ValidAgent =
        Gen.Select(Gen.OneOf("ghcr.io/5dlabs/platform/claude-code:1.2", "registry.local/agent@sha256:" + new string('a', 64)).Null(0.3), Resources)
            .Select((image, resources) => new AgentOverride { Image = image, Resources = resources })
            .Null(0.7);

    private static readonly Gen<TaskFile> ValidFile =
        Gen.Select(ValidFileName, Gen.OneOf(FileTypes.All.ToArray()).Null(0.5), JsonGen.UnicodeText)
            .Select((name, type, content) => new TaskFile { Name = name, Type = type, Content = content });

    /// <summary>Input a user could apply that passes validation once defaulted: nothing defaulted yet.</summary>
    public static readonly Gen<V2TaskRun> ValidInput =
        Gen.Select(
                Gen.Select(JsonGen.DnsLabel, JsonGen.DnsLabel.Null(0.3), OtherLabels, Annotations),
                Gen.Select(Gen.Long[1, long.MaxValue], JsonGen.DnsLabel.Where(s => s.Length <= 63), Gen.OneOf(Priorities.All.ToArray()).Null(0.5)),
                ValidFile.Array[1, 5].Select(UniqueNames),
                Gen.Select(Gen.Int[1, 100_000].Nullable(0.5), Gen.Int[0, 10].Nullable(0.5), Gen.Bool)
                    .Select((attempt, maxRetries, present) => present ? new RetrySpec { Attempt = attempt, MaxRetries = maxRetries } : null),
                Gen.Select(Gen.Int[60, 604_800].Nullable(0.6), ValidAgent, Gen.Bool.Nullable(0.7)))
            .Select((meta, identity, files, retry, extra) => new V2TaskRun
            {
                Metadata = new V1ObjectMeta { Name = meta.Item1, NamespaceProperty = meta.Item2, Labels = meta.Item3, Annotations = meta.Item4 },
                Spec = new V2TaskRunSpec
                {
                    TaskId = identity.Item1,
                    ServiceName = identity.Item2,
                    Priority = identity.Item3,
                    Files = files,
                    Retry = retry,
                    TimeoutSeconds = extra.Item1,
                    Agent = extra.Item2,
                    Cancel = extra.Item3,
                },
            });

    /// <summary>Anything the API server could hand the mutating webhook, valid or not.</summary>
    public static readonly Gen<V2TaskRun> AnyInput =
        Gen.Select(
                Gen.Select(JsonGen.DnsLabel, OtherLabels, Annotations),
                Gen.Select(Gen.Long.Nullable(0.2), Gen.OneOf(JsonGen.DnsLabel, JsonGen.UnicodeText, Gen.Const("Auth-Service")).Null(0.2), Gen.OneOf(Gen.OneOf(Priorities.All.ToArray()), JsonGen.UnicodeText).Null(0.5)),
                Gen.Select(Gen.OneOf(ValidFileName, JsonGen.UnicodeText).Null(0.1), Gen.OneOf(Gen.OneOf(FileTypes.All.ToArray()), JsonGen.UnicodeText).Null(0.5), JsonGen.UnicodeText.Null(0.1))
                    .Select((name, type, content) => new TaskFile { Name = name, Type = type, Content = content })
                    .List[0, 5].Null(0.1),
                Gen.Select(Gen.Int.Nullable(0.5), Gen.Int.Nullable(0.5), Gen.Bool)
                    .Select((attempt, maxRetries, present) => present ? new RetrySpec { Attempt = attempt, MaxRetries = maxRetries } : null),
                Gen.Select(Gen.Int.Nullable(0.6), ValidAgent, Gen.Bool.Nullable(0.7)))
            .Select((meta, identity, files, retry, extra) => new V2TaskRun
            {
                Metadata = new V1ObjectMeta { Name = meta.Item1, Labels = meta.Item2, Annotations = meta.Item3 },
                Spec = new V2TaskRunSpec
                {
                    TaskId = identity.Item1,
                    ServiceName = identity.Item2,
                    Priority = identity.Item3,
                    Files = files,
                    Retry = retry,
                    TimeoutSeconds = extra.Item1,
                    Agent = extra.Item2,
                    Cancel = extra.Item3,
                },
            });

    private static List<TaskFile> UniqueNames(TaskFile[] files) =>
        files.DistinctBy(f => f.Name, StringComparer.Ordinal).ToList();
}
