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
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var current = await client.ApiextensionsV1.ReadCustomResourceDefinitionAsync(name);
            var established = current.Status?.Conditions?.Any(c => c.Type == "Established" && c.Status == "True") == true;
            var namesAccepted = current.Status?.Conditions?.Any(c => c.Type == "NamesAccepted" && c.Status == "True") == true;
            if (established && namesAccepted)
            {
                return current;
            }

            if (DateTime.UtcNow > deadline)
            {
                var conditions = string.Join(", ", current.Status?.Conditions?.Select(c => $"{c.Type}={c.Status} ({c.Message})") ?? []);
                throw new TimeoutException($"CRD {name} not Established within {timeout}: {conditions}");
            }

            await Task.Delay(200);
        }
    }
}
