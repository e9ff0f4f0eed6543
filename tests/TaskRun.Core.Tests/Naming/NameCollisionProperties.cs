using CsCheck;
using TaskRun.Core.Naming;
using TaskRun.Core.Validation;
using Xunit;

namespace TaskRun.Core.Tests.Naming;

/// <summary>
/// No TaskRun name can reproduce another TaskRun's child names (issue: a short name written as another TaskRun's
/// <c>cut-hash</c> form took over its ConfigMap). A search over generated pairs, most of them built by an
/// attacker who knows the victim's child names: the stems of those names, the stems with another run's suffix,
/// near misses of the victim's name, and unrelated names.
/// </summary>
public sealed class NameCollisionProperties
{
    private const long Pairs = 120_000;

    [Fact]
    public void No_two_distinct_TaskRun_names_share_a_Job_or_ConfigMap_name() =>
        Gen.Select(Victim, Gen.Int[1, 1_000_010], Gen.Int[1, 1_000_010])
            .SelectMany((victim, victimRun, attackerRun) => Attacker(victim, victimRun).Select(attacker => (victim, attacker, victimRun, attackerRun)))
            .Where(p => p.victim != p.attacker && KubernetesNames.IsDns1123Subdomain(p.attacker))
            .Sample(p =>
            {
                foreach (var (runA, runB) in new[] { (p.victimRun, p.attackerRun), (p.victimRun, p.victimRun), (p.victimRun, 1), (1, p.attackerRun) })
                {
                    var job = RunNames.Job(p.victim, runA);
                    var configMap = RunNames.ConfigMap(p.victim, runA);
                    Assert.True(job != RunNames.Job(p.attacker, runB), $"Job {job}: \"{p.victim}\" run {runA} and \"{p.attacker}\" run {runB}");
                    Assert.True(configMap != RunNames.ConfigMap(p.attacker, runB), $"ConfigMap {configMap}: \"{p.victim}\" run {runA} and \"{p.attacker}\" run {runB}");
                }
            }, iter: Pairs);

    [Fact]
    public void The_stem_of_every_cut_name_is_itself_hashed() =>
        Gen.Select(Victim.Where(n => n.Length > 45), Gen.Int[1, 1_000_010]).Sample((victim, run) =>
        {
            var job = RunNames.Job(victim, run);
            var stem = job[..^$"-run-{run}".Length];
            Assert.True(stem == victim || RunNames.HasHashedShape(stem), $"stem {stem} of {job} is not hashed");
        }, iter: 20_000);

    /// <summary>Mostly long names (the ones that are cut), some short ones.</summary>
    private static readonly Gen<string> Victim = Gen.Frequency(
        (3, Name(40, 251)),
        (1, Name(0, 60)));

    /// <summary>What an attacker can try against a victim whose child names they see.</summary>
    private static Gen<string> Attacker(string victim, int victimRun)
    {
        var jobStem = RunNames.Job(victim, victimRun)[..^$"-run-{victimRun}".Length];
        var configMapStem = RunNames.ConfigMap(victim, victimRun)[..^$"-run-{victimRun}-files".Length];
        return Gen.OneOf(
            Gen.Const(jobStem),
            Gen.Const(configMapStem),
            // The stem of another run's name, and the whole child name used as a TaskRun name.
            Gen.Int[1, 20].Select(run => RunNames.Job(victim, run)[..^$"-run-{run}".Length]),
            Gen.Const(RunNames.Job(victim, victimRun)),
            Gen.Const(RunNames.ConfigMap(victim, victimRun)[..^"-files".Length]),
            // Near misses: a changed character in the stem, a cut, an extension.
            Gen.Int[0, Math.Max(0, jobStem.Length - 1)].Select(Gen.Char["abc0123-"]).Select((i, c) => jobStem[..i] + c + jobStem[(i + 1)..]),
            Gen.Int[1, victim.Length].Select(length => victim[..length]),
            Gen.String[Gen.Char["abz09-"], 1, 20].Select(extra => victim + extra + "z"),
            // Names in the hashed shape with guessed hashes.
            Gen.String[Gen.Char["abcdefghijklmnopqrstuvwxyz234567"], 16, 16].Select(hash => jobStem[..Math.Max(0, jobStem.Length - 16)] + hash),
            Name(0, 251));
    }

    private static Gen<string> Name(int min, int max) =>
        Gen.Select(Gen.Char["abcxyz019"], Gen.String[Gen.Char["abcxyz019-."], min, max], Gen.Char["abcxyz019"])
            .Select((first, middle, last) => string.Join('.', (first + middle + last).Split('.').Select(l => l.Trim('-')).Where(l => l.Length > 0)))
            .Where(n => n.Length > 0 && KubernetesNames.IsDns1123Subdomain(n));
}
