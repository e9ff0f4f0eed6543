using TaskRun.Core.Validation;
using TaskRun.Webhook.Config;
using TaskRun.Webhook.Dependencies;

namespace TaskRun.Webhook.Admission;

/// <summary>
/// The validating webhook (/validate): <see cref="TaskRunValidator"/> on CREATE and UPDATE with the policy of
/// the live config. A denial is an HTTP 200 review with <c>allowed: false</c>, <c>status.code</c> 422, reason
/// <c>Invalid</c> and one <c>details.causes[]</c> entry per field error, as the API server answers for its own
/// validation; warnings go back either way. Judging has no side effects, so <c>dryRun</c> needs nothing special.
/// </summary>
/// <remarks>
/// An UPDATE that leaves the spec as it was is judged on its metadata only, and one on an object being deleted
/// is allowed: the spec was judged when it was written, and a config made stricter since must not block the
/// controller from adding or removing its finalizer, or a user from editing labels.
/// </remarks>
internal sealed class ValidatingHandler(ILiveConfig config, IDependencyGraph? dependencyGraph = null) : IAdmissionHandler
{
    private readonly IDependencyGraph dependencies = dependencyGraph ?? new NoDependencyGraph();

    public string Endpoint => "validate";

    public FileContents? TypedPass => FileContents.Measured;

    public AdmissionOutcome Admit(AdmissionRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var uid = request.Uid!;
        if (!TaskRunObjects.IsV2TaskRun(request.Kind))
        {
            return TaskRunObjects.WrongKind(request);
        }

        var sentAsV1 = V1FieldPaths.SentAsV1(request);
        ValidationResult result;
        switch (request.Operation)
        {
            case AdmissionRequest.Create:
                if (!TaskRunObjects.TryRead(request, oldObject: false, sentAsV1, out var created, out var problem, FileContents.Measured))
                {
                    return AdmissionOutcome.Deny(AdmissionResponse.Deny(uid, problem!));
                }

                if (config.BlockedReason is { } blocked)
                {
                    return FailClosed(request, blocked);
                }

                result = DependencyCycles.Check(WithLabelCheck(TaskRunValidator.ValidateCreate(created!, config.Policy), created!), created!, request.Namespace, dependencies);
                break;
            case AdmissionRequest.Update:
                if (!TaskRunObjects.TryRead(request, oldObject: false, sentAsV1, out var updated, out problem, FileContents.Measured) ||
                    !TaskRunObjects.TryRead(request, oldObject: true, sentAsV1, out var old, out problem, FileContents.Measured))
                {
                    return AdmissionOutcome.Deny(AdmissionResponse.Deny(uid, problem!));
                }

                if (updated!.Metadata?.DeletionTimestamp is not null)
                {
                    return AdmissionOutcome.Allow(AdmissionResponse.Allow(uid));
                }

                var specUnchanged = SpecUnchanged(request.Object!.Value, request.OldObject!.Value);
                if (!specUnchanged && config.BlockedReason is { } blockedUpdate)
                {
                    return FailClosed(request, blockedUpdate);
                }

                result = DependencyCycles.Check(WithLabelCheck(TaskRunValidator.ValidateUpdate(updated, old!, config.Policy), updated), updated, request.Namespace, dependencies);
                if (specUnchanged)
                {
                    result = result with { Errors = [.. result.Errors.Where(e => e.Field.StartsWith("metadata.", StringComparison.Ordinal))], Warnings = [] };
                }

                break;
            case AdmissionRequest.Delete:
                return AdmissionOutcome.Allow(AdmissionResponse.Allow(uid));
            default:
                return AdmissionOutcome.UnknownOperation(request);
        }

        if (sentAsV1)
        {
            result = result with
            {
                Errors = [.. result.Errors.Select(e => e with { Field = V1FieldPaths.Translate(e.Field), Message = V1FieldPaths.TranslateText(e.Message) })],
                Warnings = [.. result.Warnings.Select(V1FieldPaths.TranslateMessage)],
            };
        }

        if (result.IsValid)
        {
            return AdmissionOutcome.Allow(AdmissionResponse.Allow(uid, result.Warnings));
        }

        return AdmissionOutcome.Deny(AdmissionResponse.Deny(uid, Invalid(request.Name, result), result.Warnings));
    }

    /// <summary>The status the API server itself would return for an invalid object, one cause per field error.</summary>
    public static ApiStatus Invalid(string? name, ValidationResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        return ApiStatus.Invalid(
            $"{TaskRunApi.Kind}.{TaskRunApi.Group} \"{name}\" is invalid: {result.Summary()}",
            new StatusDetails
            {
                Name = name,
                Group = TaskRunApi.Group,
                Kind = TaskRunApi.Kind,
                Causes = [.. result.Errors.Select(e => new StatusCause(e.Reason, e.Message, e.Field))],
            });
    }

    private static ValidationResult WithLabelCheck(ValidationResult result, V2TaskRun taskRun) =>
        result with { Errors = [.. result.Errors, .. MirroredLabelCheck.Check(taskRun)] };

    /// <summary>While the stored config is invalid and no good one is known, no TaskRun is judged by a guessed policy.</summary>
    private static AdmissionOutcome FailClosed(AdmissionRequest request, string reason) =>
        AdmissionOutcome.Deny(AdmissionResponse.Deny(request.Uid!, ApiStatus.Unavailable(
            $"TaskRun admission is closed: the cluster's controller config is invalid ({reason}); an admin must apply a valid taskrun-controller-config, then try again")));

    private static bool SpecUnchanged(JsonElement updated, JsonElement old) =>
        updated.TryGetProperty("spec", out var spec) && old.TryGetProperty("spec", out var oldSpec) && JsonElement.DeepEquals(spec, oldSpec);
}
