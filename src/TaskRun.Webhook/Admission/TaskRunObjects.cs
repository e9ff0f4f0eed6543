using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using TaskRun.Core.Serialization;
using TaskRun.Core.Validation;

namespace TaskRun.Webhook.Admission;

/// <summary>What the TaskRun admission handlers share: the expected kind, and reading the objects of a request.</summary>
internal static class TaskRunObjects
{
    public static bool IsV2TaskRun(GroupVersionKind? kind) =>
        kind is { Group: TaskRunApi.Group, Version: TaskRunApi.V2, Kind: TaskRunApi.Kind };

    /// <summary>Anything but a v2 TaskRun is denied: the webhook is registered for v2 with matchPolicy Equivalent.</summary>
    public static AdmissionOutcome WrongKind(AdmissionRequest request) => AdmissionOutcome.Deny(AdmissionResponse.Deny(request.Uid!,
        ApiStatus.BadRequest($"this webhook handles {TaskRunApi.V2ApiVersion} {TaskRunApi.Kind} (registered for v2 with matchPolicy: Equivalent, so the API server converts v1 first); it was called for {request.Kind?.ToString() ?? "no kind"}")));

    // KubeJson's conventions, except that file contents are skipped or measured (TaskFile.MeasuredContentBytes),
    // not read into strings, and managedFields, which no admission check reads, are skipped.
    private static readonly JsonSerializerOptions ContentsSkipped = Options(SkippedMembers.ManagedFields, SkippedMembers.FileContents);
    private static readonly JsonSerializerOptions ContentsMeasured = Options(SkippedMembers.ManagedFields, MeasureFileContent(() => new ContentLengthConverter()));

    // The same for the typed pass, where a TaskRun's metadata and spec stay null unless the object has them, so
    // that the pass can leave an object without them to the general reading.
    private static readonly JsonSerializerOptions InPassContentsSkipped = WithoutDuplicates(Options(SkippedMembers.ManagedFields, SkippedMembers.FileContents, MetadataAndSpecOnlyWhenSent));
    private static readonly JsonSerializerOptions InPassContentsMeasured = WithoutDuplicates(Options(SkippedMembers.ManagedFields, MeasureFileContent(() => new ContentLengthConverter()), MetadataAndSpecOnlyWhenSent));

    // The typed pass over a ReviewSkeleton, where each content is already its length (skipped ones need nothing new).
    private static readonly JsonSerializerOptions InSkeletonContentsMeasured = WithoutDuplicates(Options(SkippedMembers.ManagedFields, MeasureFileContent(() => new SkeletonLengthConverter()), MetadataAndSpecOnlyWhenSent));

    /// <summary>
    /// Reads the request's object (or, with <paramref name="oldObject"/>, its old object) as a v2 TaskRun: the
    /// one the typed pass read when it read it with <paramref name="contents"/>, else from the raw object.
    /// </summary>
    public static bool TryRead(AdmissionRequest request, bool oldObject, bool sentAsV1, out V2TaskRun? taskRun, out ApiStatus? problem, FileContents contents)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.Typed is { } typed && typed.Contents == contents && (oldObject ? typed.OldObject : typed.Object) is { } read)
        {
            taskRun = read;
            problem = null;
            return true;
        }

        return oldObject
            ? TryRead(request.OldObject, "oldObject", sentAsV1, out taskRun, out problem, contents)
            : TryRead(request.Object, "object", sentAsV1, out taskRun, out problem, contents);
    }

    /// <summary>
    /// The options the typed pass reads a review with: <see cref="KubeJson"/>'s, the file contents as
    /// <paramref name="contents"/> says, a TaskRun's metadata and spec null unless sent, and a member given twice
    /// an error (which of the two a tree would use is the general reading's business).
    /// </summary>
    /// <param name="skeleton">The options for a <see cref="Hosting.ReviewSkeleton"/> of the review instead of the review itself.</param>
    public static JsonSerializerOptions TypedPassOptions(FileContents contents, bool skeleton = false) =>
        contents != FileContents.Measured ? InPassContentsSkipped
        : skeleton ? InSkeletonContentsMeasured : InPassContentsMeasured;

    /// <summary>Reads <paramref name="element"/> as a v2 TaskRun, or explains which field could not be read.</summary>
    /// <param name="contents">
    /// What becomes of the files' contents. They are nearly all of the bytes, and a 1 MiB file read into a string
    /// is 2 MiB more per request: the mutating webhook skips them, the validating webhook only measures them.
    /// </param>
    public static bool TryRead(JsonElement? element, string role, bool sentAsV1, out V2TaskRun? taskRun, out ApiStatus? problem, FileContents contents = FileContents.Read)
    {
        taskRun = null;
        problem = null;
        if (element is not { ValueKind: JsonValueKind.Object } value)
        {
            problem = ApiStatus.BadRequest($"request.{role} is missing or not a JSON object; a TaskRun was expected");
            return false;
        }

        try
        {
            taskRun = contents switch
            {
                FileContents.Skipped => value.Deserialize<V2TaskRun>(ContentsSkipped),
                FileContents.Measured => value.Deserialize<V2TaskRun>(ContentsMeasured),
                _ => KubeJson.Deserialize<V2TaskRun>(value),
            };
        }
        catch (JsonException e)
        {
            problem = Unreadable(value, Field(FieldOf(e.Path), sentAsV1), "the value has the wrong type or shape for this field");
            return false;
        }
        catch (Exception e) when (KubeJson.IsConverterFailure(e))
        {
            // Thrown by value converters (e.g. a resource quantity), which do not say where.
            problem = FindUnreadableQuantity(value) is { } quantity
                ? Unreadable(value, Field(quantity.Field, sentAsV1), quantity.Message)
                : Unreadable(value, "<object>", $"a value could not be read: {e.Message}");
            return false;
        }

        if (taskRun is null)
        {
            problem = ApiStatus.BadRequest($"request.{role} could not be read as a TaskRun");
            return false;
        }

        // JSON null where an object belongs: every check after this one relies on both.
        if (taskRun.Metadata is null || taskRun.Spec is null)
        {
            problem = Unreadable(value, Field(taskRun.Metadata is null ? "metadata" : "spec", sentAsV1), "null is not allowed; it must be an object");
            taskRun = null;
            return false;
        }

        return true;
    }

    private static JsonSerializerOptions Options(params Action<JsonTypeInfo>[] modifiers)
    {
        var resolver = new DefaultJsonTypeInfoResolver();
        foreach (var modifier in modifiers)
        {
            resolver.Modifiers.Add(modifier);
        }

        return new JsonSerializerOptions(KubeJson.Options) { TypeInfoResolver = resolver };
    }

    private static JsonSerializerOptions WithoutDuplicates(JsonSerializerOptions options)
    {
        options.AllowDuplicateProperties = false;
        return options;
    }

    private static void MetadataAndSpecOnlyWhenSent(JsonTypeInfo type)
    {
        if (type.Type == typeof(V2TaskRun))
        {
            type.CreateObject = static () => new V2TaskRun { Metadata = null!, Spec = null! };
        }
    }

    /// <summary>A file's content read by the converter <paramref name="converter"/> makes, as its length, into <see cref="TaskFile.MeasuredContentBytes"/>.</summary>
    private static Action<JsonTypeInfo> MeasureFileContent(Func<JsonConverter<long?>> converter) => type =>
    {
        if (type.Type != typeof(TaskFile))
        {
            return;
        }

        for (var i = 0; i < type.Properties.Count; i++)
        {
            if (type.Properties[i].Name == "content")
            {
                var measured = type.CreateJsonPropertyInfo(typeof(long?), "content");
                measured.CustomConverter = converter();
                measured.Set = static (file, length) => ((TaskFile)file).MeasuredContentBytes = (long?)length;
                measured.ShouldSerialize = static (_, _) => false;
                type.Properties[i] = measured;
            }
        }
    };

    private static string Field(string field, bool sentAsV1) => sentAsV1 ? V1FieldPaths.Translate(field) : field;

    private static ApiStatus Unreadable(JsonElement value, string field, string message) =>
        ApiStatus.Invalid($"TaskRun is invalid: {field}: {message}; see `kubectl explain taskruns.spec`",
            new StatusDetails
            {
                Group = TaskRunApi.Group,
                Kind = TaskRunApi.Kind,
                Name = NameOf(value),
                Causes = [new StatusCause("FieldValueInvalid", message, field)],
            });

    /// <summary>The first agent resource quantity that does not parse, with a message that says how to write one.</summary>
    private static (string Field, string Message)? FindUnreadableQuantity(JsonElement taskRun)
    {
        if (!taskRun.TryGetProperty("spec", out var spec) || spec.ValueKind != JsonValueKind.Object ||
            !spec.TryGetProperty("agent", out var agent) || agent.ValueKind != JsonValueKind.Object ||
            !agent.TryGetProperty("resources", out var resources) || resources.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        foreach (var list in new[] { "requests", "limits" })
        {
            if (!resources.TryGetProperty(list, out var quantities) || quantities.ValueKind != JsonValueKind.Object)
            {
                continue;
            }

            foreach (var quantity in quantities.EnumerateObject())
            {
                var text = quantity.Value.ValueKind == JsonValueKind.String ? quantity.Value.GetString() : quantity.Value.GetRawText();
                if (!ResourceQuantities.IsValid(text ?? ""))
                {
                    return ($"spec.agent.resources.{list}.{quantity.Name}", $"\"{text}\" is not a resource quantity; write it like \"500m\", \"2\" or \"4Gi\"");
                }
            }
        }

        return null;
    }

    /// <summary>"$.spec.files[0].name" → "spec.files[0].name".</summary>
    private static string FieldOf(string? jsonPath) =>
        string.IsNullOrEmpty(jsonPath) || jsonPath == "$" ? "<object>" : jsonPath.TrimStart('$').TrimStart('.');

    private static string? NameOf(JsonElement value) =>
        value.TryGetProperty("metadata", out var metadata) && metadata.ValueKind == JsonValueKind.Object &&
        metadata.TryGetProperty("name", out var name) && name.ValueKind == JsonValueKind.String ? name.GetString() : null;
}
