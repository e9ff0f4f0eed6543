using TaskRun.Testing;
using Xunit;

namespace TaskRun.Deploy.Tests;

[CollectionDefinition(Name)]
public sealed class DeployTests : ICollectionFixture<KubernetesFixture>
{
    public const string Name = "deploy against the API server";
}
