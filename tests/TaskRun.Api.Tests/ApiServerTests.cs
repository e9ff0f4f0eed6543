using TaskRun.Testing;
using Xunit;

namespace TaskRun.Api.Tests;

[CollectionDefinition(Name)]
public sealed class ApiServerTests : ICollectionFixture<KubernetesFixture>
{
    public const string Name = "api-server";
}
