using System.Text.Json;
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

        if (!TaskRunObjects.TryRead(request.Object, "object", out var taskRun, out var problem))
        {
            return AdmissionOutcome.Deny(AdmissionResponse.Deny(uid, problem!));
        }

        var before = KubeJson.ToNode(taskRun);
        var warnings = TaskRunDefaulter.Default(taskRun!);
        var after = KubeJson.ToNode(taskRun);
        var operations = JsonPatchDiff.CreateForRaw(request.Object!.Value, before, after);
        return AdmissionOutcome.Allow(operations.Count == 0
            ? AdmissionResponse.Allow(uid, warnings)
            : AdmissionResponse.AllowWithPatch(uid, JsonPatchDiff.ToUtf8Json(operations), warnings));
    }
}
