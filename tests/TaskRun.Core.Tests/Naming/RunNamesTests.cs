using System.Security.Cryptography;
using System.Text;
using CsCheck;
using TaskRun.Core.Naming;
using TaskRun.Core.Validation;
using Xunit;

namespace TaskRun.Core.Tests.Naming;

/// <summary>
/// Run n of TaskRun X is X-run-n (Job) and X-run-n-files (ConfigMap): deterministic, at most 63 characters, valid
/// Kubernetes names, and distinct for distinct TaskRuns and runs, so a restarted controller finds its run again.
/// </summary>
public sealed class RunNamesTests
{
    private static readonly string LongName = string.Concat(Enumerable.Repeat("auth-service-task-1001.", 11))[..252] + "z";

    [Theory]
    [InlineData("auth-service-task-1001", 1, "auth-service-task-1001-run-1", "auth-service-task-1001-run-1-files")]
    [InlineData("auth-service-task-1001", 12, "auth-service-task-1001-run-12", "auth-service-task-1001-run-12-files")]
    [InlineData("a", 2147483647, "a-run-2147483647", "a-run-2147483647-files")]
    [InlineData("x.y", 3, "x.y-run-3", "x.y-run-3-files")]
    public void Short_names_keep_the_exact_form(string taskRun, int run, string job, string configMap)
    {
        Assert.Equal(job, RunNames.Job(taskRun, run));
        Assert.Equal(configMap, RunNames.ConfigMap(taskRun, run));
    }

    [Fact]
    public void A_name_that_just_fits_is_kept_and_one_more_character_is_shortened()
    {
        var fitsJob = new string('a', 63 - "-run-1".Length);
        var fitsConfigMap = new string('a', 63 - "-run-1-files".Length);

        Assert.Equal(fitsJob + "-run-1", RunNames.Job(fitsJob, 1));
        Assert.Equal(fitsConfigMap + "-run-1-files", RunNames.ConfigMap(fitsConfigMap, 1));
        Assert.Equal(63, RunNames.Job(fitsJob + "a", 1).Length);
        Assert.NotEqual(fitsJob + "a-run-1", RunNames.Job(fitsJob + "a", 1));
        Assert.Equal(63, RunNames.ConfigMap(fitsConfigMap + "a", 1).Length);
    }

    [Fact]
    public void A_long_name_is_cut_and_followed_by_an_80_bit_hash_of_the_full_name()
    {
        var hash = Base32Of80Bits(SHA256.HashData(Encoding.UTF8.GetBytes(LongName)));
        const string suffix = "-run-7";
        var prefix = LongName[..(63 - suffix.Length - 16 - 1)].TrimEnd('-', '.');

        Assert.Equal($"{prefix}-{hash}{suffix}", RunNames.Job(LongName, 7));
        Assert.Equal($"{LongName[..(63 - "-run-7-files".Length - 17)].TrimEnd('-', '.')}-{hash}-run-7-files", RunNames.ConfigMap(LongName, 7));
    }

    [Fact]
    public void A_short_name_in_the_hashed_shape_is_hashed_too_so_it_cannot_pose_as_a_cut_name()
    {
        var victimJob = RunNames.Job(LongName, 1);
        var posing = victimJob[..^"-run-1".Length];

        Assert.True(RunNames.HasHashedShape(posing));
        Assert.NotEqual(victimJob, RunNames.Job(posing, 1));
        Assert.NotEqual(posing + "-run-1", RunNames.Job(posing, 1));
        Assert.False(RunNames.HasHashedShape("auth-service-task-1001"));
        Assert.False(RunNames.HasHashedShape("svc-abcdefghijklmno1"));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(9)]
    [InlineData(10)]
    [InlineData(999_999)]
    [InlineData(int.MaxValue)]
    public void A_253_character_name_yields_valid_names_of_at_most_63_characters(int run)
    {
        Assert.Equal(253, LongName.Length);
        Assert.True(KubernetesNames.IsDns1123Subdomain(LongName));

        foreach (var name in new[] { RunNames.Job(LongName, run), RunNames.ConfigMap(LongName, run) })
        {
            AssertValidChildName(name);
        }

        Assert.EndsWith($"-run-{run}", RunNames.Job(LongName, run), StringComparison.Ordinal);
        Assert.EndsWith($"-run-{run}-files", RunNames.ConfigMap(LongName, run), StringComparison.Ordinal);
    }

    [Fact]
    public void Long_names_sharing_a_long_prefix_and_their_runs_all_get_distinct_names()
    {
        var prefix = new string('t', 200) + "-";
        var taskRuns = Enumerable.Range(0, 500).Select(i => prefix + i.ToString("D52", System.Globalization.CultureInfo.InvariantCulture)).ToList();
        Assert.All(taskRuns, n => Assert.Equal(253, n.Length));
        var runs = Enumerable.Range(1, 20).Append(int.MaxValue).Append(int.MaxValue - 1).ToList();

        var jobs = new HashSet<string>(StringComparer.Ordinal);
        var configMaps = new HashSet<string>(StringComparer.Ordinal);
        foreach (var taskRun in taskRuns)
        {
            foreach (var run in runs)
            {
                var job = RunNames.Job(taskRun, run);
                var configMap = RunNames.ConfigMap(taskRun, run);
                AssertValidChildName(job);
                AssertValidChildName(configMap);
                Assert.True(jobs.Add(job), $"duplicate Job name {job}");
                Assert.True(configMaps.Add(configMap), $"duplicate ConfigMap name {configMap}");
            }
        }

        Assert.Equal(taskRuns.Count * runs.Count, jobs.Count);
    }

    [Theory]
    [InlineData('-')]
    [InlineData('.')]
    public void A_cut_that_ends_on_a_separator_still_gives_a_valid_name(char separator)
    {
        // A Job name of run 1 keeps 40 characters of a long TaskRun name, a ConfigMap name 34: put a separator last.
        foreach (var kept in new[] { 40, 34 })
        {
            var name = new string('a', kept - 1) + separator + "b" + new string('c', 100);

            var job = RunNames.Job(name, 1);
            var configMap = RunNames.ConfigMap(name, 1);

            AssertValidChildName(job);
            AssertValidChildName(configMap);
        }

        Assert.StartsWith(new string('a', 39) + "-", RunNames.Job(new string('a', 39) + separator + "b" + new string('c', 100), 1), StringComparison.Ordinal);
    }

    [Fact]
    public void Names_are_deterministic() =>
        Gen.Select(SubdomainName, Gen.Int[1, int.MaxValue]).Sample((name, run) =>
        {
            Assert.Equal(RunNames.Job(name, run), RunNames.Job(name, run));
            Assert.Equal(RunNames.ConfigMap(name, run), RunNames.ConfigMap(name, run));
        }, iter: 1_000);

    [Fact]
    public void Any_valid_TaskRun_name_and_run_give_valid_names_of_at_most_63_characters() =>
        Gen.Select(SubdomainName, Gen.Int[1, int.MaxValue]).Sample((name, run) =>
        {
            var job = RunNames.Job(name, run);
            var configMap = RunNames.ConfigMap(name, run);
            AssertValidChildName(job);
            AssertValidChildName(configMap);
            if (name.Length + $"-run-{run}".Length <= 63 && !RunNames.HasHashedShape(name))
            {
                Assert.Equal($"{name}-run-{run}", job);
            }

            if (name.Length + $"-run-{run}-files".Length <= 63 && !RunNames.HasHashedShape(name))
            {
                Assert.Equal($"{name}-run-{run}-files", configMap);
            }
        }, iter: 5_000);

    [Fact]
    public void Distinct_long_names_give_distinct_names() =>
        Gen.Select(SubdomainName.Where(n => n.Length > 60), SubdomainName.Where(n => n.Length > 60), Gen.Int[1, 1000])
            .Where((a, b, _) => a != b)
            .Sample((a, b, run) => Assert.NotEqual(RunNames.Job(a, run), RunNames.Job(b, run)), iter: 1_000);

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    public void A_missing_name_is_a_programming_error(string? name)
    {
        Assert.ThrowsAny<ArgumentException>(() => RunNames.Job(name!, 1));
        Assert.ThrowsAny<ArgumentException>(() => RunNames.ConfigMap(name!, 1));
    }

    /// <summary>A valid TaskRun name: DNS-1123 labels joined by dots, up to 253 characters.</summary>
    private static readonly Gen<string> SubdomainName =
        Gen.Select(
                Gen.Char["abcxyz019"],
                Gen.String[Gen.Char["abcxyz019-."], 0, 251],
                Gen.Char["abcxyz019"])
            .Select((first, middle, last) => Normalize(first + middle + last))
            .Where(KubernetesNames.IsDns1123Subdomain);

    /// <summary>Makes every label between dots start and end with an alphanumeric character.</summary>
    private static string Normalize(string name)
    {
        var labels = name.Split('.').Select(l => l.Trim('-')).Where(l => l.Length > 0);
        return string.Join('.', labels);
    }

    /// <summary>The first 80 bits of a digest in RFC 4648 base32, lower case: an independent statement of the hash.</summary>
    private static string Base32Of80Bits(byte[] digest)
    {
        var bits = string.Concat(digest.Take(10).Select(b => Convert.ToString(b, 2).PadLeft(8, '0')));
        return string.Concat(Enumerable.Range(0, 16).Select(i => "abcdefghijklmnopqrstuvwxyz234567"[Convert.ToInt32(bits.Substring(i * 5, 5), 2)]));
    }

    private static void AssertValidChildName(string name)
    {
        Assert.InRange(name.Length, 1, RunNames.MaxLength);
        Assert.True(KubernetesNames.IsDns1123Subdomain(name), $"\"{name}\" is not a DNS-1123 subdomain");
        Assert.True(KubernetesNames.IsLabelValue(name), $"\"{name}\" cannot be a label value (job-name)");
    }
}
