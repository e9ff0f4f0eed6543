using System.Net.Http.Headers;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json.Nodes;

namespace TaskRun.WebhookLoad;

/// <summary>
/// Writes the request bodies that hack/bench-webhook.sh loads with wrk (per payload: mutate, validate and convert
/// reviews) and checks one answer per endpoint first: a benchmark of wrong answers would be worthless.
/// </summary>
internal static class PrepareCommand
{
    public static async Task<int> RunAsync(Arguments arguments)
    {
        var webhook = new Uri(arguments.Required("webhook"));
        using var ca = X509CertificateLoader.LoadCertificateFromFile(arguments.Required("ca"));
        var output = arguments.Required("out");
        Directory.CreateDirectory(output);
        using var client = CreateClient(ca);
        foreach (var (key, payload) in new[] { ("typical", Payloads.Typical()), ("large", Payloads.Large()) })
        {
            await SanityCheckAsync(client, webhook, payload);
            await File.WriteAllBytesAsync(Path.Combine(output, $"{key}-mutate.json"), payload.Mutate);
            await File.WriteAllBytesAsync(Path.Combine(output, $"{key}-validate.json"), payload.Validate);
            await File.WriteAllBytesAsync(Path.Combine(output, $"{key}-convert.json"), payload.Convert);
            await File.WriteAllTextAsync(Path.Combine(output, $"{key}.txt"),
                $"{payload.Name}: object {payload.ObjectBytes:N0} bytes; mutate review {payload.Mutate.Length:N0}, validate review {payload.Validate.Length:N0}, convert review {payload.Convert.Length:N0} bytes");
        }

        return 0;
    }

    private static HttpClient CreateClient(X509Certificate2 ca) => new(new SocketsHttpHandler
    {
        SslOptions = new SslClientAuthenticationOptions
        {
            RemoteCertificateValidationCallback = (_, certificate, _, _) =>
            {
                if (certificate is null)
                {
                    return false;
                }

                using var chain = new X509Chain();
                chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                chain.ChainPolicy.CustomTrustStore.Add(ca);
                chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                return chain.Build(X509CertificateLoader.LoadCertificate(certificate.GetRawCertData()));
            },
        },
    })
    { Timeout = TimeSpan.FromSeconds(60) };

    private static async Task SanityCheckAsync(HttpClient client, Uri webhook, Payload payload)
    {
        var mutate = await PostJsonAsync(client, new Uri(webhook, "/mutate"), payload.Mutate);
        var validate = await PostJsonAsync(client, new Uri(webhook, "/validate"), payload.Validate);
        var convert = await PostJsonAsync(client, new Uri(webhook, "/convert"), payload.Convert);
        if (mutate["response"]?["allowed"]?.GetValue<bool>() != true || mutate["response"]?["patch"] is null)
        {
            throw new InvalidOperationException($"/mutate did not allow with a patch: {Shorten(mutate)}");
        }

        if (validate["response"]?["allowed"]?.GetValue<bool>() != true)
        {
            throw new InvalidOperationException($"/validate did not allow: {Shorten(validate)}");
        }

        if ((string?)convert["response"]?["result"]?["status"] != "Success" || (string?)convert["response"]?["convertedObjects"]?[0]?["apiVersion"] != "orchestrator.io/v2")
        {
            throw new InvalidOperationException($"/convert did not convert: {Shorten(convert)}");
        }
    }

    private static async Task<JsonNode> PostJsonAsync(HttpClient client, Uri target, byte[] body)
    {
        using var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using var response = await client.PostAsync(target, content);
        response.EnsureSuccessStatusCode();
        return JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
    }

    private static string Shorten(JsonNode node)
    {
        var text = node.ToJsonString();
        return text.Length > 500 ? text[..500] + "…" : text;
    }
}
