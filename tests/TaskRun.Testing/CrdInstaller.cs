using System.Net;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace TaskRun.Testing;

/// <summary>Installs (or updates) a CRD from a manifest and waits until the API server serves it.</summary>
public static class CrdInstaller
{
    public static async Task<V1CustomResourceDefinition> ApplyAsync(IKubernetes client, V1CustomResourceDefinition crd, TimeSpan timeout)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(crd);
        try
        {
            await client.ApiextensionsV1.CreateCustomResourceDefinitionAsync(crd);
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.Conflict)
        {
            var existing = await client.ApiextensionsV1.ReadCustomResourceDefinitionAsync(crd.Metadata.Name);
            crd.Metadata.ResourceVersion = existing.Metadata.ResourceVersion;
            await client.ApiextensionsV1.ReplaceCustomResourceDefinitionAsync(crd, crd.Metadata.Name);
        }

        return await WaitEstablishedAsync(client, crd.Metadata.Name, timeout);
    }

    public static V1CustomResourceDefinition Load(string path) =>
        KubernetesYaml.Deserialize<V1CustomResourceDefinition>(File.ReadAllText(path));

    private static async Task<V1CustomResourceDefinition> WaitEstablishedAsync(IKubernetes client, string name, TimeSpan timeout)
    {
        V1CustomResourceDefinition? current = null;
        await Eventually.HoldsAsync(
            async () =>
            {
                current = await client.ApiextensionsV1.ReadCustomResourceDefinitionAsync(name);
                return current.Status?.Conditions ?? [];
            },
            conditions => IsTrue(conditions, "Established") && IsTrue(conditions, "NamesAccepted"),
            $"CRD {name} Established", timeout, TimeSpan.FromMilliseconds(200));
        return current!;
    }

    private static bool IsTrue(IList<V1CustomResourceDefinitionCondition> conditions, string type) =>
        conditions.Any(c => c.Type == type && c.Status == "True");
}
