using k8s;
using k8s.Models;
using TaskRun.Core.Config;
using TaskRun.Runtime;
using TaskRun.Runtime.Tests.Fakes;

namespace TaskRun.Core.Tests.ConfigSource;

/// <summary>
/// The runtime tests' scripted list+watch client (linked from TaskRun.Runtime.Tests), spoken in terms of the
/// config ConfigMap: a list holds the ConfigMap or nothing.
/// </summary>
internal sealed class ScriptedConfigMapClient
{
    public const string Namespace = "orchestrator";
    public const string Name = "taskrun-controller-config";

    private readonly ScriptedResourceClient script = new();

    public IResourceClient<V1ConfigMap> Client => script;

    public int ListCalls => script.ListCalls;

    public IReadOnlyList<(string ResourceVersion, int TimeoutSeconds)> WatchCalls => script.WatchCalls;

    public ScriptedConfigMapClient List(V1ConfigMap? configMap, string resourceVersion = "10") =>
        Then(configMap is null ? script.List(resourceVersion) : script.List(resourceVersion, configMap));

    public ScriptedConfigMapClient ListFails(Exception error) => Then(script.ListFails(error));

    public ScriptedConfigMapClient Watch(params (WatchEventType Type, V1ConfigMap Object)[] events) => Then(script.Watch(events));

    public ScriptedConfigMapClient WatchThenError(Exception error, params (WatchEventType Type, V1ConfigMap Object)[] events) =>
        Then(script.WatchThenError(error, events));

    public static V1ConfigMap ConfigMap(string? yaml, string resourceVersion, string name = Name) => new()
    {
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = Namespace, ResourceVersion = resourceVersion, Uid = "0f0e0d0c-0000-0000-0000-000000000001" },
        Data = yaml is null ? null : new Dictionary<string, string> { [ControllerConfig.DataKey] = yaml },
    };

    /// <summary>The script changes in place; this wrapper is returned so calls chain.</summary>
    private ScriptedConfigMapClient Then(ScriptedResourceClient scripted) => this;
}
