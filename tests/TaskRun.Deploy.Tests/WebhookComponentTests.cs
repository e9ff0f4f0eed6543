using System.Text.Json.Nodes;
using TaskRun.Testing;
using Xunit;
using static TaskRun.Deploy.Tests.RenderedManifests;

namespace TaskRun.Deploy.Tests;

/// <summary>
/// deploy/components/webhook-skip-terminating (Kubernetes 1.28+): the two TaskRun webhooks skip TaskRuns being
/// deleted, so finalizer removal never waits for the webhook; the config webhook and deploy/default are unchanged.
/// </summary>
public sealed class WebhookComponentTests
{
    [Fact]
    public async Task The_component_adds_the_not_being_deleted_condition_to_the_TaskRun_webhooks_only()
    {
        var overlay = RepositoryPaths.InRoot(".local", $"overlay-{Guid.NewGuid():N}");
        Directory.CreateDirectory(overlay);
        try
        {
            File.WriteAllText(Path.Combine(overlay, "kustomization.yaml"),
                "resources: [../../deploy/default]\ncomponents: [../../deploy/components/webhook-skip-terminating]\n");
            var objects = await RenderAsync(Path.GetRelativePath(RepositoryPaths.Root, overlay));

            var webhooks = Webhooks(objects);
            foreach (var name in new[] { "default.taskrun.orchestrator.io", "validate.taskrun.orchestrator.io" })
            {
                var condition = Assert.Single(webhooks[name]!["matchConditions"]!.AsArray())!;
                Assert.Equal("!has(object.metadata.deletionTimestamp)", (string)condition["expression"]!);
            }

            Assert.Null(webhooks["config.taskrun.orchestrator.io"]!["matchConditions"]);
            Assert.All(Webhooks(await RenderAsync()).Values, w => Assert.Null(w!["matchConditions"]));
        }
        finally
        {
            Directory.Delete(overlay, recursive: true);
        }
    }

    private static Dictionary<string, JsonNode?> Webhooks(IEnumerable<JsonObject> objects) =>
        objects.Where(o => Kind(o) is "MutatingWebhookConfiguration" or "ValidatingWebhookConfiguration")
            .SelectMany(o => o["webhooks"]!.AsArray())
            .ToDictionary(w => (string)w!["name"]!, w => w);
}
