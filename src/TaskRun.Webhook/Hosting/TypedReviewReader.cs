using System.Diagnostics.CodeAnalysis;
using TaskRun.Core.Serialization;
using TaskRun.Webhook.Admission;

namespace TaskRun.Webhook.Hosting;

/// <summary>
/// Reads an AdmissionReview for a TaskRun handler in one pass of the serializer over the body: the envelope's
/// members, the object and old object straight into v2 TaskRuns (<see cref="TaskRunObjects.TypedPassOptions"/>),
/// every other member skipped. No tree of the body is built: parsing one cost about as much as reading the
/// TaskRun itself. (One serializer call for the whole body: reading an object member with its own call would
/// scan that object twice, once to find its end.)
/// </summary>
/// <remarks>
/// Only a review shaped as the API server sends it is read here. For anything else (not JSON, a member of the
/// wrong type or given twice, no uid, a wrong apiVersion, no object, an object without <c>metadata</c> or
/// <c>spec</c>, or one that does not read as a TaskRun) it returns false, and the review is read the general way
/// (<see cref="ReviewParser"/> and <see cref="TaskRunObjects.TryRead(JsonElement?, string, bool, out V2TaskRun?, out ApiStatus?, FileContents)"/>),
/// which says precisely what is wrong. The handler gets the same request either way; a test holds the two
/// readings' answers equal.
/// </remarks>
internal static class TypedReviewReader
{
    public static bool TryRead(ReadOnlyMemory<byte> body, FileContents contents, ReviewTree tree, [NotNullWhen(true)] out AdmissionRequest? request)
    {
        request = null;
        Review? review;
        try
        {
            review = JsonSerializer.Deserialize<Review>(body.Span, TaskRunObjects.TypedPassOptions(contents));
        }
        catch (JsonException)
        {
            return false;
        }
        catch (Exception e) when (KubeJson.IsConverterFailure(e))
        {
            // From a value converter inside the object (e.g. a resource quantity): the general reading explains it.
            return false;
        }

        if (review is not { ApiVersion: AdmissionReview.ApiVersionV1, Kind: AdmissionReview.KindName, Request: { Uid.Length: > 0 } read } ||
            !HasMetadataAndSpec(read.Object) || (read.OldObject is not null && !HasMetadataAndSpec(read.OldObject)))
        {
            return false;
        }

        request = new AdmissionRequest
        {
            Uid = read.Uid,
            Kind = read.Kind,
            Resource = read.Resource,
            SubResource = read.SubResource,
            RequestKind = read.RequestKind,
            RequestResource = read.RequestResource,
            RequestSubResource = read.RequestSubResource,
            Name = read.Name,
            Namespace = read.Namespace,
            Operation = read.Operation,
            DryRun = read.DryRun,
        };
        request.SetTypedObjects(new TypedObjects(read.Object!, read.OldObject, contents), tree);
        return true;
    }

    private static bool HasMetadataAndSpec([NotNullWhen(true)] V2TaskRun? taskRun) => taskRun is { Metadata: not null, Spec: not null };

    /// <summary>The envelope as the typed pass reads it; members not named here are skipped.</summary>
    private sealed class Review
    {
        public string? ApiVersion { get; set; }

        public string? Kind { get; set; }

        public ReviewRequest? Request { get; set; }
    }

    private sealed class ReviewRequest
    {
        public string? Uid { get; set; }

        public GroupVersionKind? Kind { get; set; }

        public GroupVersionResource? Resource { get; set; }

        public string? SubResource { get; set; }

        public GroupVersionKind? RequestKind { get; set; }

        public GroupVersionResource? RequestResource { get; set; }

        public string? RequestSubResource { get; set; }

        public string? Name { get; set; }

        public string? Namespace { get; set; }

        public string? Operation { get; set; }

        public bool? DryRun { get; set; }

        public V2TaskRun? Object { get; set; }

        public V2TaskRun? OldObject { get; set; }
    }
}
