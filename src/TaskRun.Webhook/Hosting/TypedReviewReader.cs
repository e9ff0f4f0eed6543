using System.Diagnostics.CodeAnalysis;
using TaskRun.Core.Serialization;
using TaskRun.Webhook.Admission;

namespace TaskRun.Webhook.Hosting;

/// <summary>
/// Reads an AdmissionReview for a TaskRun handler in one pass of the serializer: the envelope's members, the
/// object and old object straight into v2 TaskRuns (<see cref="TaskRunObjects.TypedPassOptions"/>), every other
/// member skipped. No tree of the body is built: parsing one cost about as much as reading the TaskRun itself.
/// (One serializer call for the whole body: reading an object member with its own call would scan that object
/// twice, once to find its end.) The pass goes over the body's <see cref="ReviewSkeleton"/>, where the files'
/// contents, nearly all of the bytes, are already measured; over the body as sent when it has none.
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
    /// <summary>The typed pass: over the body's skeleton when it has one that reads, else over the body as sent.</summary>
    public static bool TryRead(ReadOnlyMemory<byte> body, FileContents contents, ReviewTree tree, [NotNullWhen(true)] out AdmissionRequest? request) =>
        TryReadSkeleton(body.Span, contents, tree, out request) || TryReadAsSent(body.Span, contents, tree, out request);

    /// <summary>The typed pass over the body's <see cref="ReviewSkeleton"/> (each content already its length); false when it has none or it does not read.</summary>
    internal static bool TryReadSkeleton(ReadOnlySpan<byte> body, FileContents contents, ReviewTree tree, [NotNullWhen(true)] out AdmissionRequest? request)
    {
        request = null;
        using var skeleton = ReviewSkeleton.TryBuild(body);
        return skeleton is not null && TryRead(skeleton.Span, TaskRunObjects.TypedPassOptions(contents, skeleton: true), contents, tree, out request);
    }

    /// <summary>The typed pass over the body as sent.</summary>
    internal static bool TryReadAsSent(ReadOnlySpan<byte> body, FileContents contents, ReviewTree tree, [NotNullWhen(true)] out AdmissionRequest? request) =>
        TryRead(body, TaskRunObjects.TypedPassOptions(contents), contents, tree, out request);

    private static bool TryRead(ReadOnlySpan<byte> json, JsonSerializerOptions options, FileContents contents, ReviewTree tree, [NotNullWhen(true)] out AdmissionRequest? request)
    {
        request = null;
        Review? review;
        try
        {
            review = JsonSerializer.Deserialize<Review>(json, options);
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
