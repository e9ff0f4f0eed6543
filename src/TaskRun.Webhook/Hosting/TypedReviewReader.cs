using System.Diagnostics.CodeAnalysis;
using TaskRun.Webhook.Admission;

namespace TaskRun.Webhook.Hosting;

/// <summary>
/// Reads an AdmissionReview for a TaskRun handler in one pass over the body: the envelope member by member, the
/// objects straight into v2 TaskRuns (<see cref="TaskRunObjects.ReadInPass"/>), every other member skipped. No
/// tree of the body is built: parsing one cost about as much as reading the TaskRun itself.
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
    private static readonly JsonReaderOptions ReaderOptions = new() { MaxDepth = 128 };

    public static bool TryRead(ReadOnlyMemory<byte> body, FileContents contents, ReviewTree tree, [NotNullWhen(true)] out AdmissionRequest? request)
    {
        request = null;
        try
        {
            return TryReadReview(body.Span, contents, tree, out request);
        }
        catch (JsonException)
        {
            return false;
        }
        catch (Exception e) when (e is FormatException or InvalidOperationException or OverflowException or ArgumentException)
        {
            // From a value converter inside the object (e.g. a resource quantity): the general reading explains it.
            return false;
        }
    }

    private static bool TryReadReview(ReadOnlySpan<byte> body, FileContents contents, ReviewTree tree, out AdmissionRequest? request)
    {
        request = null;
        var reader = new Utf8JsonReader(body, ReaderOptions);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            return false;
        }

        string? apiVersion = null, kind = null;
        Members seen = default;
        TypedObjects? objects = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var ok = reader.ValueTextEquals("apiVersion"u8) ? String(ref reader, out apiVersion) && First(ref seen, Members.ApiVersion)
                : reader.ValueTextEquals("kind"u8) ? String(ref reader, out kind) && First(ref seen, Members.Kind)
                : reader.ValueTextEquals("request"u8) ? Request(ref reader, contents, out request, out objects) && First(ref seen, Members.Request)
                : Skip(ref reader);
            if (!ok)
            {
                return false;
            }
        }

        // The root object must end the body, as it must for the general reading.
        if (reader.TokenType != JsonTokenType.EndObject || reader.Read())
        {
            return false;
        }

        if (apiVersion != AdmissionReview.ApiVersionV1 || kind != AdmissionReview.KindName ||
            request is null || string.IsNullOrEmpty(request.Uid) || objects is null)
        {
            return false;
        }

        request.SetTypedObjects(objects, tree);
        return true;
    }

    private static bool Request(ref Utf8JsonReader reader, FileContents contents, out AdmissionRequest? request, out TypedObjects? objects)
    {
        request = null;
        objects = null;
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            return false;
        }

        var read = new AdmissionRequest();
        V2TaskRun? taskRun = null, old = null;
        Members seen = default;
        string? text;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            bool ok;
            if (reader.ValueTextEquals("uid"u8))
            {
                ok = String(ref reader, out text) && First(ref seen, Members.Uid);
                read.Uid = text;
            }
            else if (reader.ValueTextEquals("kind"u8))
            {
                ok = Triple(ref reader, "kind"u8, out var gvk) && First(ref seen, Members.Kind);
                read.Kind = gvk is null ? null : new GroupVersionKind(gvk.Value.Group, gvk.Value.Version, gvk.Value.Name);
            }
            else if (reader.ValueTextEquals("resource"u8))
            {
                ok = Triple(ref reader, "resource"u8, out var gvr) && First(ref seen, Members.Resource);
                read.Resource = gvr is null ? null : new GroupVersionResource(gvr.Value.Group, gvr.Value.Version, gvr.Value.Name);
            }
            else if (reader.ValueTextEquals("subResource"u8))
            {
                ok = String(ref reader, out text) && First(ref seen, Members.SubResource);
                read.SubResource = text;
            }
            else if (reader.ValueTextEquals("requestKind"u8))
            {
                ok = Triple(ref reader, "kind"u8, out var gvk) && First(ref seen, Members.RequestKind);
                read.RequestKind = gvk is null ? null : new GroupVersionKind(gvk.Value.Group, gvk.Value.Version, gvk.Value.Name);
            }
            else if (reader.ValueTextEquals("requestResource"u8))
            {
                ok = Triple(ref reader, "resource"u8, out var gvr) && First(ref seen, Members.RequestResource);
                read.RequestResource = gvr is null ? null : new GroupVersionResource(gvr.Value.Group, gvr.Value.Version, gvr.Value.Name);
            }
            else if (reader.ValueTextEquals("requestSubResource"u8))
            {
                ok = String(ref reader, out text) && First(ref seen, Members.RequestSubResource);
                read.RequestSubResource = text;
            }
            else if (reader.ValueTextEquals("name"u8))
            {
                ok = String(ref reader, out text) && First(ref seen, Members.Name);
                read.Name = text;
            }
            else if (reader.ValueTextEquals("namespace"u8))
            {
                ok = String(ref reader, out text) && First(ref seen, Members.Namespace);
                read.Namespace = text;
            }
            else if (reader.ValueTextEquals("operation"u8))
            {
                ok = String(ref reader, out text) && First(ref seen, Members.Operation);
                read.Operation = text;
            }
            else if (reader.ValueTextEquals("dryRun"u8))
            {
                ok = Bool(ref reader, out var dryRun) && First(ref seen, Members.DryRun);
                read.DryRun = dryRun;
            }
            else if (reader.ValueTextEquals("object"u8))
            {
                ok = TaskRunObjects.ReadInPass(ref reader, contents, out taskRun) && First(ref seen, Members.Object);
            }
            else if (reader.ValueTextEquals("oldObject"u8))
            {
                ok = TaskRunObjects.ReadInPass(ref reader, contents, out old) && First(ref seen, Members.OldObject);
            }
            else
            {
                ok = Skip(ref reader);
            }

            if (!ok)
            {
                return false;
            }
        }

        if (taskRun is null)
        {
            return false;
        }

        request = read;
        objects = new TypedObjects(taskRun, old, contents);
        return true;
    }

    /// <summary>A string or null member, as the general reading accepts it.</summary>
    private static bool String(ref Utf8JsonReader reader, out string? value)
    {
        value = null;
        if (!reader.Read())
        {
            return false;
        }

        switch (reader.TokenType)
        {
            case JsonTokenType.Null:
                return true;
            case JsonTokenType.String:
                value = reader.GetString();
                return true;
            default:
                return false;
        }
    }

    private static bool Bool(ref Utf8JsonReader reader, out bool? value)
    {
        value = null;
        if (!reader.Read())
        {
            return false;
        }

        switch (reader.TokenType)
        {
            case JsonTokenType.Null:
                return true;
            case JsonTokenType.True or JsonTokenType.False:
                value = reader.GetBoolean();
                return true;
            default:
                return false;
        }
    }

    /// <summary>A group/version/kind or group/version/resource object (or null); <paramref name="nameMember"/> is "kind" or "resource".</summary>
    private static bool Triple(ref Utf8JsonReader reader, ReadOnlySpan<byte> nameMember, out (string? Group, string? Version, string? Name)? value)
    {
        value = null;
        if (!reader.Read())
        {
            return false;
        }

        if (reader.TokenType == JsonTokenType.Null)
        {
            return true;
        }

        if (reader.TokenType != JsonTokenType.StartObject)
        {
            return false;
        }

        string? group = null, version = null, name = null;
        Members seen = default;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var ok = reader.ValueTextEquals("group"u8) ? String(ref reader, out group) && First(ref seen, Members.Group)
                : reader.ValueTextEquals("version"u8) ? String(ref reader, out version) && First(ref seen, Members.Version)
                : reader.ValueTextEquals(nameMember) ? String(ref reader, out name) && First(ref seen, Members.KindOrResource)
                : Skip(ref reader);
            if (!ok)
            {
                return false;
            }
        }

        value = (group, version, name);
        return true;
    }

    /// <summary>Skips a member's value (the reader is on its name).</summary>
    private static bool Skip(ref Utf8JsonReader reader)
    {
        reader.Skip();
        return true;
    }

    /// <summary>False for a member given twice: which of the two a tree would use is the general reading's business.</summary>
    private static bool First(ref Members seen, Members member)
    {
        if ((seen & member) != 0)
        {
            return false;
        }

        seen |= member;
        return true;
    }

    /// <summary>The members of one object read so far (each object of the envelope uses its own set).</summary>
    [Flags]
    private enum Members
    {
        ApiVersion = 1 << 0,
        Kind = 1 << 1,
        Request = 1 << 2,
        Uid = 1 << 3,
        Resource = 1 << 4,
        SubResource = 1 << 5,
        RequestKind = 1 << 6,
        RequestResource = 1 << 7,
        RequestSubResource = 1 << 8,
        Name = 1 << 9,
        Namespace = 1 << 10,
        Operation = 1 << 11,
        DryRun = 1 << 12,
        Object = 1 << 13,
        OldObject = 1 << 14,
        Group = 1 << 15,
        Version = 1 << 16,
        KindOrResource = 1 << 17,
    }
}
