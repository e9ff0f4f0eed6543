using System.Globalization;
using System.Text;
using k8s.Models;

namespace TaskRun.Webhook.Admission;

/// <summary>
/// Client-side <c>kubectl apply</c> keeps a copy of the whole manifest in the
/// <c>kubectl.kubernetes.io/last-applied-configuration</c> annotation, and the API server limits all annotations
/// of an object to 256 KiB: a TaskRun with large files then fails with a bare <c>metadata.annotations: Too
/// long</c>, far below the 1 MiB a run's files may have. The mutating webhook runs before that check, so it
/// refuses such a request itself and says what to do: apply server-side, which keeps no such copy.
/// </summary>
internal static class LastAppliedSizeCheck
{
    public const string Annotation = "kubectl.kubernetes.io/last-applied-configuration";

    /// <summary>The API server's limit on the sum of all annotation keys and values, in bytes.</summary>
    public const int TotalAnnotationSizeLimitBytes = 256 * 1024;

    /// <summary>The denial for an object whose annotations, last-applied included, exceed the limit; else null.</summary>
    public static ApiStatus? Check(V1ObjectMeta? metadata, string? name)
    {
        if (metadata?.Annotations is not { } annotations)
        {
            return null;
        }

        long total = 0;
        long lastApplied = -1;
        foreach (var (key, value) in annotations)
        {
            var size = Encoding.UTF8.GetByteCount(key) + (value is null ? 0 : Encoding.UTF8.GetByteCount(value));
            total += size;
            if (key == Annotation)
            {
                lastApplied = size;
            }
        }

        if (lastApplied < 0 || total <= TotalAnnotationSizeLimitBytes)
        {
            return null;
        }

        var message = string.Format(CultureInfo.InvariantCulture,
            "the annotations total {0:N0} bytes, over the API server's limit of {1:N0} bytes (256 KiB); " +
            "{2:N0} of them are {3}, the copy of the whole manifest that client-side kubectl apply keeps. " +
            "Apply this TaskRun server-side, which keeps no such copy: kubectl apply --server-side " +
            "(Argo CD: the sync option ServerSideApply=true; Flux already applies server-side). " +
            "A run's files may then use up to the 1 MiB of its ConfigMap",
            total, TotalAnnotationSizeLimitBytes, lastApplied, Annotation);
        return ApiStatus.Invalid($"TaskRun.orchestrator.io \"{name}\" is invalid: metadata.annotations: {message}", new StatusDetails
        {
            Name = name,
            Group = Core.Api.TaskRunApi.Group,
            Kind = Core.Api.TaskRunApi.Kind,
            Causes = [new StatusCause("FieldValueTooLong", message, "metadata.annotations")],
        });
    }
}
