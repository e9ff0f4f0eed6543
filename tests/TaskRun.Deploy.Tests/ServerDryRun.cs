using System.Text.Json.Nodes;
using TaskRun.Testing;
using Xunit;
using static TaskRun.Deploy.Tests.RenderedManifests;

namespace TaskRun.Deploy.Tests;

/// <summary>Rendered objects through <c>kubectl apply --dry-run=server</c>: every kind the API server serves must be accepted.</summary>
internal static class ServerDryRun
{
    /// <summary>Dry-runs every object; the kinds the server does not serve must be exactly <paramref name="kindsUnknownToTheServer"/>.</summary>
    public static async Task EveryObjectAsync(KubernetesFixture fixture, IReadOnlyList<JsonObject> objects, IEnumerable<string> kindsUnknownToTheServer)
    {
        // The namespace must exist for a dry run of what goes in it.
        foreach (var ns in objects.Where(o => Kind(o) == "Namespace"))
        {
            var created = await fixture.KubectlWithInputAsync(ns.ToJsonString(), "apply", "-f", "-");
            Assert.True(created.Succeeded, created.ToString());
        }

        var skipped = new List<string>();
        foreach (var obj in objects)
        {
            var result = await fixture.KubectlWithInputAsync(obj.ToJsonString(), "apply", "--dry-run=server", "-f", "-");
            if (!result.Succeeded && result.StandardError.Contains("no matches for kind", StringComparison.Ordinal))
            {
                skipped.Add(Kind(obj));
                continue;
            }

            Assert.True(result.Succeeded, $"{Kind(obj)}/{Name(obj)} was refused:\n{result}");
        }

        Assert.Equal(kindsUnknownToTheServer.Order(), skipped.Distinct().Order());
    }
}
