using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using Json.Schema;
using TaskRun.Core.Serialization;
using TaskRun.Core.Validation;
using YamlDotNet.Core;

namespace TaskRun.Core.Config;

/// <summary>
/// Turns <c>config.yaml</c> into a <see cref="ControllerConfig"/>: YAML syntax, then the JSON Schema
/// (types, bounds, unknown keys), then the checks a schema cannot express. Errors name the key.
/// </summary>
public static partial class ControllerConfigParser
{
    private static readonly Lazy<JsonSchema> Schema = new(LoadSchema);

    /// <summary>The schema as JSON, read by <see cref="ConfigSchemaErrors"/> to say each key's expected form.</summary>
    private static readonly Lazy<JsonObject> SchemaNode = new(() => JsonNode.Parse(ReadSchemaText())!.AsObject());

    private static readonly JsonSerializerOptions ModelOptions = CreateModelOptions();

    /// <summary>The schema file's text, as shipped in the assembly.</summary>
    public static string SchemaText { get; } = ReadSchemaText();

    /// <summary>
    /// Parses the data of the config ConfigMap; no <c>config.yaml</c> key means the defaults. Any other data key
    /// is refused (its key is <c>data[name]</c>): a misspelled <c>config.yml</c> would otherwise leave the
    /// system silently on the defaults.
    /// </summary>
    public static ConfigParseResult ParseConfigMapData(IDictionary<string, string>? data)
    {
        var parsed = data is not null && data.TryGetValue(ControllerConfig.DataKey, out var yaml) ? Parse(yaml) : new(ControllerConfig.Default, []);
        var unknown = (data?.Keys ?? []).Where(k => k != ControllerConfig.DataKey).Order(StringComparer.Ordinal)
            .Select(k => new ConfigError($"data[{k}]",
                $"is not a key this ConfigMap is read from; put the whole config under data[{ControllerConfig.DataKey}] and remove data[{k}]"))
            .ToList();
        return unknown.Count == 0 ? parsed : new(null, [.. unknown, .. parsed.Errors]);
    }

    [UnconditionalSuppressMessage("Trimming", "IL2026", Justification = KubeJson.ReflectionKept)]
    [UnconditionalSuppressMessage("AOT", "IL3050", Justification = KubeJson.ReflectionKept)]
    public static ConfigParseResult Parse(string? yaml)
    {
        JsonNode? document;
        try
        {
            document = YamlToJson.Parse(yaml ?? "");
        }
        catch (YamlException e)
        {
            return Failed(new ConfigError(ControllerConfig.DataKey,
                $"not valid YAML at line {e.Start.Line}, column {e.Start.Column}: {e.Message}"));
        }

        document ??= new JsonObject();
        var schemaErrors = CheckSchema(document);
        if (schemaErrors.Count > 0)
        {
            return new(null, schemaErrors);
        }

        ControllerConfig config;
        try
        {
            config = document.Deserialize<ControllerConfig>(ModelOptions) ?? ControllerConfig.Default;
        }
        catch (JsonException e)
        {
            // The schema should have caught it; a value the model cannot hold is still a refused config, not a crash.
            var key = e.Path is { Length: > 2 } path && path.StartsWith("$.", StringComparison.Ordinal) ? path[2..] : ControllerConfig.DataKey;
            return Failed(new ConfigError(key, "has a value the config cannot hold (out of range or of the wrong type)"));
        }

        var semanticErrors = CheckSemantics(config);
        return semanticErrors.Count > 0 ? new(null, semanticErrors) : new(config, []);
    }

    private static ConfigParseResult Failed(ConfigError error) => new(null, [error]);

    private static List<ConfigError> CheckSchema(JsonNode document)
    {
        using var json = JsonDocument.Parse(document.ToJsonString());
        var results = Schema.Value.Evaluate(json.RootElement, new EvaluationOptions { OutputFormat = OutputFormat.List });
        return results.IsValid ? [] : ConfigSchemaErrors.From(results, document, SchemaNode.Value);
    }

    private static List<ConfigError> CheckSemantics(ControllerConfig config)
    {
        var errors = new List<ConfigError>();
        if (config.Retry.MaxDelaySeconds < config.Retry.BaseDelaySeconds)
        {
            errors.Add(new("retry.maxDelaySeconds", string.Create(CultureInfo.InvariantCulture,
                $"is {config.Retry.MaxDelaySeconds}, below retry.baseDelaySeconds ({config.Retry.BaseDelaySeconds}); the cap must be at least the first delay")));
        }

        CheckQuantities(config.Agent.Resources.Requests, "agent.resources.requests", errors);
        CheckQuantities(config.Agent.Resources.Limits, "agent.resources.limits", errors);
        CheckQuantities(config.Agent.MaxResources, "agent.maxResources", errors);
        if (ResourceQuantities.Problem("storage", config.Workspace.StorageSize) is { } storage)
        {
            errors.Add(new("workspace.storageSize", storage));
        }

        CheckRequestsWithinLimits(config.Agent.Resources.Requests, config.Agent.Resources.Limits, "agent.resources", errors);
        CheckQuantities(config.InitContainer.Resources.Requests, "initContainer.resources.requests", errors);
        CheckQuantities(config.InitContainer.Resources.Limits, "initContainer.resources.limits", errors);
        CheckRequestsWithinLimits(config.InitContainer.Resources.Requests, config.InitContainer.Resources.Limits, "initContainer.resources", errors);
        CheckSinks(config.Notifications, errors);
        CheckImage(config.Agent.Image, "agent.image", errors);
        CheckImage(config.InitContainer.Image, "initContainer.image", errors);
        for (var i = 0; i < config.Agent.AllowedImages.Count; i++)
        {
            if (!ImageReferences.IsValidPattern(config.Agent.AllowedImages[i]))
            {
                errors.Add(new($"agent.allowedImages[{i}]", $"\"{Printable(config.Agent.AllowedImages[i])}\" is neither an image reference nor a prefix ending in /*, :* or @*; write e.g. \"ghcr.io/5dlabs/platform/claude-code:*\""));
            }
        }

        CheckEndpoint(config.Telemetry.OtlpEndpoint, errors);
        CheckApiBaseUrl(config.Agent.ApiBaseUrl, errors);
        return errors;
    }

    /// <summary>The schema's pattern admits quantities too large to use (1e400 or 99999999999999999999Ei); TaskRun validation refuses them too.</summary>
    private static void CheckQuantities(IReadOnlyDictionary<string, string> quantities, string key, List<ConfigError> errors)
    {
        foreach (var (name, quantity) in quantities)
        {
            if (ResourceQuantities.Problem(name, quantity) is { } problem)
            {
                errors.Add(new($"{key}.{name}", problem));
            }
        }
    }

    /// <summary>An image is handed to the kubelet as it is: only a valid OCI reference (no spaces, no shell metacharacters).</summary>
    private static void CheckImage(string image, string key, List<ConfigError> errors)
    {
        if (!ImageReferences.IsValid(image))
        {
            errors.Add(new(key, $"\"{Printable(image)}\" is not an OCI image reference; write [registry[:port]/]path[:tag][@digest], e.g. \"ghcr.io/org/agent:1.2\""));
        }
    }

    /// <summary>The endpoint becomes an environment variable and a URI: host:port or an http(s) URL, without spaces or control characters.</summary>
    private static void CheckEndpoint(string? endpoint, List<ConfigError> errors)
    {
        if (string.IsNullOrEmpty(endpoint))
        {
            return;
        }

        var clean = !endpoint.Any(c => char.IsControl(c) || char.IsWhiteSpace(c));
        var isUrl = Uri.TryCreate(endpoint, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https" && !string.IsNullOrEmpty(uri.Host);
        var isHostPort = HostPort().IsMatch(endpoint) && !endpoint.EndsWith('\n');
        if (!clean || !(isUrl || isHostPort))
        {
            errors.Add(new("telemetry.otlpEndpoint", $"\"{Printable(endpoint)}\" is not an endpoint; write host:port (\"collector.telemetry.svc:4317\") or an http(s) URL, without spaces or control characters"));
        }
    }

    private static void CheckApiBaseUrl(string? url, List<ConfigError> errors)
    {
        if (url is null)
        {
            return;
        }

        var clean = !url.Any(c => char.IsControl(c) || char.IsWhiteSpace(c));
        if (!clean || !Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https") || string.IsNullOrEmpty(uri.Host))
        {
            errors.Add(new("agent.apiBaseUrl", $"\"{Printable(url)}\" is not an http(s) URL; write e.g. \"https://llm-gateway.internal\", without spaces or control characters"));
        }
    }

    private static string Printable(string? value) =>
        value is null ? "" : new string((value.Length > 80 ? value[..80] + "…" : value).Select(c => char.IsControl(c) ? '?' : c).ToArray());

    [System.Text.RegularExpressions.GeneratedRegex(@"^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?:[0-9]{1,5}$", System.Text.RegularExpressions.RegexOptions.CultureInvariant)]
    private static partial System.Text.RegularExpressions.Regex HostPort();

    private static void CheckRequestsWithinLimits(
        IReadOnlyDictionary<string, string> requests, IReadOnlyDictionary<string, string> limits, string key, List<ConfigError> errors)
    {
        foreach (var (name, request) in requests)
        {
            if (limits.TryGetValue(name, out var limit) &&
                ResourceQuantities.IsValid(request) && ResourceQuantities.IsValid(limit) &&
                new k8s.Models.ResourceQuantity(request).ToDecimal() > new k8s.Models.ResourceQuantity(limit).ToDecimal())
            {
                errors.Add(new($"{key}.requests.{name}", $"request {request} is above the limit {limit}; a request may not exceed its limit"));
            }
        }
    }

    /// <summary>The schema checks the scheme's shape; a sink must also be a URL the client can POST to.</summary>
    private static void CheckSinks(NotificationsConfig notifications, List<ConfigError> errors)
    {
        for (var i = 0; i < notifications.Sinks.Count; i++)
        {
            var url = notifications.Sinks[i].Url;
            if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https") || string.IsNullOrEmpty(uri.Host))
            {
                errors.Add(new($"notifications.sinks[{i}].url", "is not an absolute http:// or https:// URL with a host; write it like \"https://events.example.com/taskruns\""));
            }
        }

        if (notifications.MaxDelaySeconds * 1000L < notifications.BaseDelayMilliseconds)
        {
            errors.Add(new("notifications.maxDelaySeconds", string.Create(CultureInfo.InvariantCulture,
                $"is {notifications.MaxDelaySeconds}s, below notifications.baseDelayMilliseconds ({notifications.BaseDelayMilliseconds}ms); the cap must be at least the first delay")));
        }
    }

    private static JsonSchema LoadSchema() => JsonSchema.FromText(SchemaText);

    private static string ReadSchemaText()
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream("taskrun-controller-config.schema.json")
            ?? throw new InvalidOperationException("the config schema is not embedded in TaskRun.Core");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    /// <summary>Quantities may be written as YAML numbers (cpu: 1); the model keeps them as strings.</summary>
    private sealed class StringOrNumberConverter : JsonConverter<string>
    {
        public override string? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            reader.TokenType switch
            {
                JsonTokenType.Number => reader.TryGetInt64(out var whole)
                    ? whole.ToString(CultureInfo.InvariantCulture)
                    : reader.GetDouble().ToString(CultureInfo.InvariantCulture),
                JsonTokenType.Null => null,
                _ => reader.GetString(),
            };

        public override void Write(Utf8JsonWriter writer, string value, JsonSerializerOptions options) => writer.WriteStringValue(value);
    }

    // The reflection resolver named, not left to the default, which native AOT switches off (KubeJson.ReflectionKept).
    [UnconditionalSuppressMessage("Trimming", "IL2026", Justification = KubeJson.ReflectionKept)]
    [UnconditionalSuppressMessage("AOT", "IL3050", Justification = KubeJson.ReflectionKept)]
    private static JsonSerializerOptions CreateModelOptions() => new()
    {
        TypeInfoResolver = new DefaultJsonTypeInfoResolver(),
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        Converters = { new StringOrNumberConverter() },
    };
}
