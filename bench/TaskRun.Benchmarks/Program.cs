using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using TaskRun.Core.Api;
using TaskRun.Core.Defaulting;
using TaskRun.Core.Payload;
using TaskRun.Core.Serialization;
using TaskRun.Core.Validation;

namespace TaskRun.Benchmarks;

/// <summary>
/// What admission costs in TaskRun.Core: default + validate (the mutating and validating webhooks' work) for a
/// typical TaskRun and for one carrying a file of about 1 MiB, next to a KubeJson deserialize + serialize of the
/// same object as a baseline (every webhook call does at least that much).
/// Usage: dotnet run -c Release --project bench/TaskRun.Benchmarks [-- seconds-per-case]
/// </summary>
internal static class Program
{
    private static int Main(string[] args)
    {
        var seconds = args.Length > 0 ? double.Parse(args[0], CultureInfo.InvariantCulture) : 2.0;
        var duration = TimeSpan.FromSeconds(Math.Max(seconds, 0.1));
        var warmUp = TimeSpan.FromSeconds(Math.Max(seconds / 4, 0.1));

        var typical = Scenario.Typical();
        var large = Scenario.LargeFile();
        foreach (var scenario in new[] { typical, large })
        {
            var check = scenario.CreateInput();
            TaskRunDefaulter.Default(check);
            var result = TaskRunValidator.ValidateCreate(check, ValidationPolicy.Default);
            if (!result.IsValid)
            {
                Console.Error.WriteLine($"bench: the {scenario.Name} TaskRun does not validate: {result.Summary()}");
                return 1;
            }
        }

        Console.WriteLine($"TaskRun.Core micro-benchmark: {RuntimeInformation.FrameworkDescription}, {RuntimeInformation.OSArchitecture}, " +
            $"{Environment.ProcessorCount} CPUs, {(IsReleaseBuild() ? "Release" : "DEBUG BUILD: numbers are meaningless")}; " +
            $"{warmUp.TotalSeconds:0.##} s warm-up + {duration.TotalSeconds:0.##} s per case, one thread");
        Console.WriteLine($"  typical: {typical.Description}");
        Console.WriteLine($"  large:   {large.Description}");
        Console.WriteLine();

        var measurements = new List<Measurement>();
        foreach (var scenario in new[] { typical, large })
        {
            measurements.Add(Harness.Measure($"{scenario.Name}: default + validate", () => DefaultAndValidate(scenario), warmUp, duration));
            measurements.Add(Harness.Measure($"{scenario.Name}: KubeJson deserialize + serialize (baseline)", () => RoundTrip(scenario), warmUp, duration));
            measurements.Add(Harness.Measure($"{scenario.Name}: RunPayloadBuilder.Build + SizeBytes (part of validate)", () => PayloadSize(scenario), warmUp, duration));
        }

        PrintTable(measurements);
        return 0;
    }

    /// <summary>A fresh, undefaulted object per operation (sharing the content strings), as each admission request brings one.</summary>
    private static int DefaultAndValidate(Scenario scenario)
    {
        var taskRun = scenario.CreateInput();
        var warnings = TaskRunDefaulter.Default(taskRun);
        var result = TaskRunValidator.ValidateCreate(taskRun, ValidationPolicy.Default);
        return warnings.Count + result.Errors.Count + result.Warnings.Count;
    }

    private static int RoundTrip(Scenario scenario)
    {
        var taskRun = KubeJson.Deserialize<V2TaskRun>(scenario.Json)!;
        return KubeJson.Serialize(taskRun).Length;
    }

    private static int PayloadSize(Scenario scenario) =>
        (int)RunPayloadBuilder.Build(scenario.Defaulted, (scenario.Defaulted.Spec.Retry?.Attempt ?? 1) + SpecLimits.MaxMaxRetries).SizeBytes;

    private static void PrintTable(List<Measurement> measurements)
    {
        var width = measurements.Max(m => m.Case.Length);
        Console.WriteLine($"{"case".PadRight(width)}  {"ops/s",12}  {"µs/op",10}  {"allocated B/op",15}");
        Console.WriteLine($"{new string('-', width)}  {new string('-', 12)}  {new string('-', 10)}  {new string('-', 15)}");
        foreach (var m in measurements)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{m.Case.PadRight(width)}  {m.OpsPerSecond,12:N0}  {m.MicrosecondsPerOp,10:N2}  {m.AllocatedBytesPerOp,15:N0}"));
        }
    }

    private static bool IsReleaseBuild()
    {
#if DEBUG
        return false;
#else
        return true;
#endif
    }
}

/// <summary>An input TaskRun: a factory for fresh undefaulted copies, its JSON, and a defaulted copy.</summary>
internal sealed class Scenario
{
    private readonly (string Name, string? Type, string Content)[] files;

    private Scenario(string name, string description, (string Name, string? Type, string Content)[] files)
    {
        Name = name;
        Description = description;
        this.files = files;
        Json = KubeJson.Serialize(CreateInput());
        Defaulted = CreateInput();
        TaskRunDefaulter.Default(Defaulted);
    }

    public string Name { get; }

    public string Description { get; }

    public string Json { get; }

    public V2TaskRun Defaulted { get; }

    /// <summary>Three markdown files of about 10 KB in all, types left to the defaulter for two of them.</summary>
    public static Scenario Typical()
    {
        (string, string?, string)[] files =
        [
            ("task.md", null, Markdown("Task", 3_000)),
            ("design-spec.md", FileTypes.DesignSpec, Markdown("Design", 5_000)),
            ("prompt.md", null, Markdown("Prompt", 2_000)),
        ];
        return new Scenario("typical", $"3 files, {files.Sum(f => Encoding.UTF8.GetByteCount(f.Item3)):N0} bytes of content", files);
    }

    /// <summary>One file sized so the run's whole ConfigMap is exactly 1 MiB: the largest TaskRun that validates.</summary>
    public static Scenario LargeFile()
    {
        var probe = new Scenario("probe", "", [("task.md", FileTypes.Task, "")]);
        var overhead = RunPayloadBuilder.Build(probe.Defaulted, 1 + SpecLimits.MaxMaxRetries).SizeBytes;
        var content = Markdown("Large", (int)(SpecLimits.ConfigMapBudgetBytes - overhead));
        return new Scenario("1 MiB", $"1 file of {Encoding.UTF8.GetByteCount(content):N0} bytes (ConfigMap exactly 1,048,576 bytes)", [("task.md", null, content)]);
    }

    public V2TaskRun CreateInput() => new()
    {
        Metadata = new() { Name = "auth-service-task-1001", NamespaceProperty = "orchestrator", Uid = "6f1c0c4e-8d7a-4c1e-9f5b-2a7d3e4b5c6d" },
        Spec = new V2TaskRunSpec
        {
            TaskId = 1001,
            ServiceName = "auth-service",
            Files = files.Select(f => new TaskFile { Name = f.Name, Type = f.Type, Content = f.Content }).ToList(),
        },
    };

    /// <summary>Markdown-like ASCII text of exactly <paramref name="bytes"/> bytes.</summary>
    private static string Markdown(string title, int bytes)
    {
        var text = new StringBuilder(bytes);
        text.Append(CultureInfo.InvariantCulture, $"# {title}\n\n");
        var line = 0;
        while (text.Length < bytes)
        {
            text.Append(CultureInfo.InvariantCulture, $"- Step {++line}: implement, test and document the change carefully.\n");
        }

        text.Length = bytes;
        return text.ToString();
    }
}
