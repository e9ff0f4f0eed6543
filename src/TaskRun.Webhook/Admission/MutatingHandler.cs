using System.Text.Json.Nodes;
using TaskRun.Core.Defaulting;
using TaskRun.Core.Serialization;
using TaskRun.Webhook.Patching;

namespace TaskRun.Webhook.Admission;

/// <summary>
/// The defaulting webhook (/mutate): applies <see cref="TaskRunDefaulter"/>, adds the controller's finalizer on
/// create, and answers with the RFC 6902 patch that turns the request's object into the defaulted one, written
/// from the values that changed (<see cref="DefaultingPatch"/>; a missing <c>metadata.labels</c> is added whole).
/// Defaulting is idempotent, so a defaulted object gets no patch on update: re-applies change nothing and GitOps
/// tools see no drift.
/// </summary>
internal sealed class MutatingHandler : IAdmissionHandler
{
    public string Endpoint => "mutate";

    public FileContents? TypedPass => FileContents.Skipped;

    public AdmissionOutcome Admit(AdmissionRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var uid = request.Uid!;
        if (!TaskRunObjects.IsV2TaskRun(request.Kind))
        {
            return TaskRunObjects.WrongKind(request);
        }

        if (AdmissionOutcome.AnswerUnlessCreateOrUpdate(request) is { } answered)
        {
            return answered;
        }

        if (!TaskRunObjects.TryRead(request, oldObject: false, V1FieldPaths.SentAsV1(request), out var taskRun, out var problem, FileContents.Skipped))
        {
            return AdmissionOutcome.Deny(AdmissionResponse.Deny(uid, problem!));
        }

        if (LastAppliedSizeCheck.Check(taskRun!.Metadata, request.Name ?? taskRun.Metadata?.Name) is { } tooLong)
        {
            return AdmissionOutcome.Deny(AdmissionResponse.Deny(uid, tooLong));
        }

        V2TaskRun? old = null;
        if (request.Operation == AdmissionRequest.Update &&
            !TaskRunObjects.TryRead(request, oldObject: true, V1FieldPaths.SentAsV1(request), out old, out problem, FileContents.Skipped))
        {
            return AdmissionOutcome.Deny(AdmissionResponse.Deny(uid, problem!));
        }

        var (patch, warnings) = DefaultAndPatch(request, taskRun, old, request.Operation == AdmissionRequest.Create);
        if (V1FieldPaths.SentAsV1(request))
        {
            warnings = [.. warnings.Select(V1FieldPaths.TranslateMessage)];
        }

        return AdmissionOutcome.Allow(patch is null
            ? AdmissionResponse.Allow(uid, warnings)
            : AdmissionResponse.AllowWithPatch(uid, patch, warnings));
    }

    /// <summary>
    /// Defaults <paramref name="taskRun"/> (the request's object, read without its file contents), adds the
    /// controller's finalizer on create, and returns the patch (null when nothing changed). The patch is written
    /// straight from the values that changed (<see cref="DefaultingPatch"/>); a raw object without a
    /// <c>metadata</c> or <c>spec</c> object, where parents must be added whole, is diffed instead. The typed pass
    /// reads only objects with both, so only a request read the general way needs its raw object here.
    /// </summary>
    internal static (byte[]? Patch, IReadOnlyList<string> Warnings) DefaultAndPatch(AdmissionRequest request, V2TaskRun taskRun, V2TaskRun? old, bool create)
    {
        var before = request.Typed is not null ? DefaultingPatch.Capture(taskRun) : DefaultingPatch.Capture(request.Object!.Value, taskRun);
        if (before is null)
        {
            var (operations, diffWarnings) = DefaultAndDiff(request.Object!.Value, taskRun, old, create);
            return (operations.Count == 0 ? null : JsonPatchDiff.ToUtf8Json(operations), diffWarnings);
        }

        var warnings = TaskRunDefaulter.Default(taskRun, old);
        AddFinalizerOnCreate(taskRun, create);
        return (before.Write(taskRun), warnings);
    }

    /// <summary>
    /// The controller's finalizer, added at admission so that the controller does not spend an API write on it
    /// for every new TaskRun. The controller still adds it when absent (an object created while the webhook was
    /// bypassed). Only on create: an update that dropped it is the controller's or a user's deliberate change.
    /// </summary>
    private static void AddFinalizerOnCreate(V2TaskRun taskRun, bool create)
    {
        if (!create || taskRun.Metadata.Finalizers?.Contains(TaskRunApi.Finalizer) == true)
        {
            return;
        }

        taskRun.Metadata.Finalizers ??= [];
        taskRun.Metadata.Finalizers.Add(TaskRunApi.Finalizer);
    }

    /// <summary>
    /// Defaults <paramref name="taskRun"/> (read from <paramref name="raw"/> without its file contents) and diffs
    /// it. File contents are nearly all of a TaskRun's bytes and defaulting never touches them, so they stand in
    /// as markers while the object is written out and diffed: the work is then the same for a 1 MiB file as for
    /// a 1 KiB one. Should a patch ever need a content (a marker in an operation) or defaulting change one, the
    /// diff is redone on the whole object.
    /// </summary>
    internal static (List<JsonPatchOperation> Operations, IReadOnlyList<string> Warnings) DefaultAndDiff(JsonElement raw, V2TaskRun taskRun, V2TaskRun? old, bool create)
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
        AddFinalizerOnCreate(taskRun, create);
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
        AddFinalizerOnCreate(whole, create);
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
