using TaskRun.Testing;
using Xunit;

namespace TaskRun.Controller.Tests.Integration;

[CollectionDefinition(Name)]
public sealed class ControllerTests : ICollectionFixture<KubernetesFixture>
{
    public const string Name = "controller against the API server";
}
