using k8s.Models;
using TaskRun.Core.Config;
using TaskRun.Core.Serialization;
using TaskRun.Webhook.Admission;

namespace TaskRun.Webhook.Config;

/// <summary>
/// The config validating webhook (/validate-config): a <c>taskrun-controller-config</c> ConfigMap in the
/// system namespace is parsed with <see cref="ControllerConfigParser"/> (YAML, the JSON Schema, the semantic
/// checks) on CREATE and UPDATE, so a bad config is refused at <c>kubectl apply</c> with one cause per key
/// (field <c>data[config.yaml].&lt;key&gt;</c>). Any other ConfigMap is allowed: the registration narrows the
/// calls to the system namespace, and this check makes a wider registration harmless.
/// </summary>
internal sealed class ConfigMapValidatingHandler(ILiveConfig config) : IAdmissionHandler
{
    public string Endpoint => "validate-config";

    public FileContents? TypedPass => null;

    public AdmissionOutcome Admit(AdmissionRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var uid = request.Uid!;
        if (request.Kind is not { Group: "", Version: "v1", Kind: "ConfigMap" })
        {
            return AdmissionOutcome.Deny(AdmissionResponse.Deny(uid, ApiStatus.BadRequest(
                $"this webhook validates v1 ConfigMaps (the {ControllerConfig.ConfigMapName} config); it was called for {request.Kind?.ToString() ?? "no kind"}")));
        }

        // Deleting the config is allowed: both processes fall back to the built-in defaults, loudly.
        if (AdmissionOutcome.AnswerUnlessCreateOrUpdate(request) is { } answered)
        {
            return answered;
        }

        if (request.Name != ControllerConfig.ConfigMapName || request.Namespace != config.Namespace)
        {
            return AdmissionOutcome.Allow(AdmissionResponse.Allow(uid));
        }

        V1ConfigMap? configMap;
        try
        {
            configMap = request.Object is { ValueKind: JsonValueKind.Object } value ? KubeJson.Deserialize<V1ConfigMap>(value) : null;
        }
        catch (Exception e) when (e is JsonException || KubeJson.IsConverterFailure(e))
        {
            return AdmissionOutcome.Deny(AdmissionResponse.Deny(uid, ApiStatus.BadRequest($"request.object is not a readable ConfigMap: {e.Message}")));
        }

        if (configMap is null)
        {
            return AdmissionOutcome.Deny(AdmissionResponse.Deny(uid, ApiStatus.BadRequest("request.object is missing or not a JSON object; a ConfigMap was expected")));
        }

        var result = ControllerConfigParser.ParseConfigMapData(configMap.Data);
        if (result.IsValid)
        {
            return AdmissionOutcome.Allow(AdmissionResponse.Allow(uid));
        }

        var causes = result.Errors.Select(e => new StatusCause("FieldValueInvalid", e.Message, FieldOf(e.Key))).ToList();
        var message = $"ConfigMap \"{ControllerConfig.ConfigMapName}\" is invalid: " +
            string.Join("; ", causes.Select(c => $"{c.Field}: {c.Message}"));
        return AdmissionOutcome.Deny(AdmissionResponse.Deny(uid, ApiStatus.Invalid(message, new StatusDetails
        {
            Name = request.Name,
            Group = "",
            Kind = "ConfigMap",
            Causes = causes,
        })));
    }

    /// <summary>
    /// "job.backoffLimit" → "data[config.yaml].job.backoffLimit"; the whole document → "data[config.yaml]"; an
    /// unknown data key, already "data[config.yml]", stays as it is.
    /// </summary>
    internal static string FieldOf(string key) =>
        key == ControllerConfig.DataKey ? $"data[{ControllerConfig.DataKey}]"
        : key.StartsWith("data[", StringComparison.Ordinal) ? key
        : $"data[{ControllerConfig.DataKey}].{key}";
}
