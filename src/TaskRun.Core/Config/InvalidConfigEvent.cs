using System.Net;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace TaskRun.Core.Config;

/// <summary>
/// The Warning Event both processes put on a config ConfigMap they refused. Its name comes from the ConfigMap's
/// uid and resourceVersion and the reporting component, so the replicas of one process that all see the same
/// bad version make one Event between them.
/// </summary>
public static class InvalidConfigEvent
{
    public const string Reason = "InvalidConfig";

    public static Corev1Event Build(V1ConfigMap configMap, string errors, string component, DateTime now, bool blocked = false)
    {
        ArgumentNullException.ThrowIfNull(configMap);
        var metadata = configMap.Metadata;
        var message = blocked
            ? $"invalid {ControllerConfig.DataKey} and no earlier valid config is known: {component} fails closed (no new TaskRuns admitted or started) until a valid config is applied: {errors}"
            : $"invalid {ControllerConfig.DataKey}, not applied (the last good config stays in use): {errors}";
        var uid = metadata.Uid is { Length: >= 8 } u ? u[..8] : "0";
        return new Corev1Event
        {
            Metadata = new V1ObjectMeta
            {
                Name = $"{metadata.Name}.{uid}-{metadata.ResourceVersion}.{component}",
                NamespaceProperty = metadata.NamespaceProperty,
            },
            InvolvedObject = new V1ObjectReference
            {
                ApiVersion = "v1",
                Kind = V1ConfigMap.KubeKind,
                Name = metadata.Name,
                NamespaceProperty = metadata.NamespaceProperty,
                Uid = metadata.Uid,
                ResourceVersion = metadata.ResourceVersion,
            },
            Type = "Warning",
            Reason = Reason,
            // Event messages are capped by the API server; keep the start, which names the keys.
            Message = message.Length > 1024 ? message[..1021] + "..." : message,
            Source = new V1EventSource { Component = component },
            ReportingComponent = component,
            FirstTimestamp = now,
            LastTimestamp = now,
            Count = 1,
        };
    }

    /// <summary>Creates the Event; one that another replica already made counts as done. Other failures throw.</summary>
    public static async Task RecordAsync(IKubernetes client, V1ConfigMap configMap, string errors, string component, DateTime now, bool blocked = false, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(client);
        var warning = Build(configMap, errors, component, now, blocked);
        try
        {
            await client.CoreV1.CreateNamespacedEventAsync(warning, warning.Metadata.NamespaceProperty, cancellationToken: cancellationToken);
        }
        catch (HttpOperationException error) when (error.Response.StatusCode == HttpStatusCode.Conflict)
        {
        }
    }
}
