using System.Text.Json;
using System.Text.Json.Nodes;
using TaskRun.Core.Api;
using TaskRun.Core.Defaulting;
using TaskRun.Core.Serialization;
using TaskRun.Webhook.Patching;

namespace TaskRun.Webhook.Admission;

/// <summary>
/// The defaulting webhook (/mutate): applies <see cref="TaskRunDefaulter"/> and answers with the RFC 6902 patch
/// that turns the request's object into the defaulted one. The typed object is written out before and after
/// defaulting in the same way and the two are diffed, then the patch is made valid for the raw object the API
/// server will apply it to (a missing <c>metadata.labels</c> is added whole). Defaulting is idempotent, so a
/// defaulted object gets no patch at all: re-applies change nothing and GitOps tools see no drift.
/// </summary>
internal sealed class MutatingHandler : IAdmissionHandler
{
    public string Endpoint => "mutate";

    public AdmissionOutcome Admit(AdmissionRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var uid = request.Uid!;
        if (!TaskRunObjects.IsV2TaskRun(request.Kind))
        {
            return TaskRunObjects.WrongKind(request);
        }

        switch (request.Operation)
        {
            case TaskRunObjects.Create or TaskRunObjects.Update:
                break;
            case TaskRunObjects.Delete:
                return AdmissionOutcome.Allow(AdmissionResponse.Allow(uid));
            default:
                return TaskRunObjects.UnknownOperation(request);
        }

        if (!TaskRunObjects.TryRead(request.Object, "object", V1FieldPaths.SentAsV1(request), out var taskRun, out var problem, withoutContents: true))
        {
            return AdmissionOutcome.Deny(AdmissionResponse.Deny(uid, problem!));
        }

        if (LastAppliedSizeCheck.Check(request.Object!.Value, request.Name ?? taskRun!.Metadata?.Name) is { } tooLong)
        {
            return AdmissionOutcome.Deny(AdmissionResponse.Deny(uid, tooLong));
        }

        V2TaskRun? old = null;
        if (request.Operation == TaskRunObjects.Update &&
            !TaskRunObjects.TryRead(request.OldObject, "oldObject", V1FieldPaths.SentAsV1(request), out old, out problem, withoutContents: true))
        {
            return AdmissionOutcome.Deny(AdmissionResponse.Deny(uid, problem!));
        }

        var (operations, warnings) = DefaultAndDiff(request.Object!.Value, taskRun!, old);
        if (V1FieldPaths.SentAsV1(request))
        {
            warnings = [.. warnings.Select(V1FieldPaths.TranslateMessage)];
        }

        return AdmissionOutcome.Allow(operations.Count == 0
            ? AdmissionResponse.Allow(uid, warnings)
            : AdmissionResponse.AllowWithPatch(uid, JsonPatchDiff.ToUtf8Json(operations), warnings));
    }

    /// <summary>
    /// Defaults <paramref name="taskRun"/> (read from <paramref name="raw"/> without its file contents) and diffs
    /// it. File contents are nearly all of a TaskRun's bytes and defaulting never touches them, so they stand in
    /// as markers while the object is written out and diffed: the work is then the same for a 1 MiB file as for
    /// a 1 KiB one. Should a patch ever need a content (a marker in an operation) or defaulting change one, the
    /// diff is redone on the whole object.
    /// </summary>
    private static (List<JsonPatchOperation> Operations, IReadOnlyList<string> Warnings) DefaultAndDiff(JsonElement raw, V2TaskRun taskRun, V2TaskRun? old)
    {
        var files = taskRun.Spec?.Files ?? [];
        for (var i = 0; i < files.Count; i++)
        {
            if (files[i] is { } file)
            {
                file.Content = Marker(i);
            }
        }

        var before = KubeJson.ToNode(taskRun);
        var warnings = TaskRunDefaulter.Default(taskRun, old);
        var after = KubeJson.ToNode(taskRun);
        var contentsKept = files.Select((file, i) => file is null || file.Content == Marker(i)).All(kept => kept);
        var operations = JsonPatchDiff.CreateForRaw(raw, before, after);
        if (contentsKept && !operations.Any(o => HasMarker(o.Value)))
        {
            return (operations, warnings);
        }

        var whole = KubeJson.Deserialize<V2TaskRun>(raw)!;
        var wholeBefore = KubeJson.ToNode(whole);
        warnings = TaskRunDefaulter.Default(whole, old);
        return (JsonPatchDiff.CreateForRaw(raw, wholeBefore, KubeJson.ToNode(whole)), warnings);
    }

    private const string MarkerPrefix = "\u0000taskrun-webhook:file-content:";

    private static string Marker(int index) => MarkerPrefix + index.ToString(System.Globalization.CultureInfo.InvariantCulture);

    private static bool HasMarker(JsonNode? node) => node switch
    {
        JsonObject obj => obj.Any(member => HasMarker(member.Value)),
        JsonArray array => array.Any(HasMarker),
        JsonValue value => value.GetValueKind() == JsonValueKind.String && value.GetValue<string>().StartsWith(MarkerPrefix, StringComparison.Ordinal),
        _ => false,
    };
}
