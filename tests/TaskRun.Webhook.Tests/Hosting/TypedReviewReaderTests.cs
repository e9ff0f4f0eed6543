using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using CsCheck;
using TaskRun.Webhook.Admission;
using TaskRun.Webhook.Hosting;
using TaskRun.Webhook.Tests.Support;
using Xunit;

namespace TaskRun.Webhook.Tests.Hosting;

/// <summary>
/// The typed pass (<see cref="TypedReviewReader"/>) is only a faster way to the same answer: for every review,
/// valid or not, the mutating and validating handlers answer exactly as they do when the review is read the
/// general way (a tree of the body, objects read from it). The typed pass must also actually be taken for the
/// reviews the API server sends, or the benchmark would measure nothing.
/// </summary>
public sealed class TypedReviewReaderTests
{
    private static readonly IAdmissionHandler[] Handlers = [new MutatingHandler(), new ValidatingHandler(new FixedConfig())];

    [Theory]
    [MemberData(nameof(Reviews.AdmissionFixtureNames), MemberType = typeof(Reviews))]
    public void A_review_from_kube_apiserver_is_read_in_the_typed_pass_and_answered_as_the_general_reading_answers(string fixture)
    {
        var body = Encoding.UTF8.GetBytes(Reviews.FixtureText(fixture));

        foreach (var handler in Handlers)
        {
            var (typed, tookTypedPass) = Answer(handler, body, typedPass: true);
            var (general, _) = Answer(handler, body, typedPass: false);

            Assert.True(tookTypedPass, $"{fixture} was not read in the typed pass by /{handler.Endpoint}");
            Assert.Equal(general, typed);
        }
    }

    [Fact]
    public void Property_any_review_gets_the_same_answer_from_both_readings()
    {
        var typedPasses = 0;
        ReviewBodies.Sample(body =>
        {
            foreach (var handler in Handlers)
            {
                var (typed, tookTypedPass) = Answer(handler, body, typedPass: true);
                var (general, _) = Answer(handler, body, typedPass: false);
                Assert.Equal(general, typed);
                typedPasses += tookTypedPass ? 1 : 0;
            }
        }, iter: 1_500, threads: 1, print: body => Encoding.UTF8.GetString(body));

        // Many of the generator's reviews are well-formed: a pass that never succeeded would compare nothing.
        Assert.True(typedPasses > 200, $"only {typedPasses} of 3,000 answers came from the typed pass");
    }

    [Theory]
    [InlineData("""{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"a","uid":"b","kind":{"group":"orchestrator.io","version":"v2","kind":"TaskRun"},"operation":"CREATE","object":{"metadata":{"name":"x"},"spec":{}}}}""")]
    [InlineData("""{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"a","kind":{"group":"orchestrator.io","version":"v2","kind":"TaskRun"},"operation":"CREATE","object":{"spec":{}}}}""")]
    [InlineData("""{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"a","kind":{"group":"orchestrator.io","version":"v2","kind":"TaskRun"},"operation":"CREATE","object":{"metadata":null,"spec":{}}}}""")]
    [InlineData("""{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"a","kind":{"group":"orchestrator.io","version":"v2","kind":"TaskRun"},"operation":"CREATE","object":{"metadata":{},"spec":{"files":"no"}}}}""")]
    [InlineData("""{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"a","kind":{"group":"orchestrator.io","version":"v2","kind":"TaskRun"},"operation":"CREATE","object":{"metadata":{},"spec":{}}}} trailing""")]
    [InlineData("""{"apiVersion":"admission.k8s.io/v1beta1","kind":"AdmissionReview","request":{"uid":"a","operation":"CREATE","object":{"metadata":{},"spec":{}}}}""")]
    [InlineData("""{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"kind":{"group":"orchestrator.io","version":"v2","kind":"TaskRun"},"operation":"CREATE","object":{"metadata":{},"spec":{}}}}""")]
    [InlineData("""{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"a","kind":{"group":"orchestrator.io","version":"v2","kind":"TaskRun"},"operation":"DELETE","oldObject":{"metadata":{},"spec":{}}}}""")]
    public void A_review_not_shaped_as_the_API_server_sends_it_is_left_to_the_general_reading(string json)
    {
        var body = Encoding.UTF8.GetBytes(json);

        foreach (var handler in Handlers)
        {
            var (typed, tookTypedPass) = Answer(handler, body, typedPass: true);
            var (general, _) = Answer(handler, body, typedPass: false);

            Assert.False(tookTypedPass);
            Assert.Equal(general, typed);
        }
    }

    [Theory]
    [MemberData(nameof(Reviews.AdmissionFixtureNames), MemberType = typeof(Reviews))]
    public void A_review_from_kube_apiserver_is_read_from_its_skeleton_as_it_is_read_as_sent(string fixture)
    {
        var body = Encoding.UTF8.GetBytes(Reviews.FixtureText(fixture));

        foreach (var contents in new[] { FileContents.Measured, FileContents.Skipped })
        {
            var (fromSkeleton, asSent) = ReadBothWays(body, contents);

            Assert.NotNull(fromSkeleton);
            Assert.Equal(asSent, fromSkeleton);
        }
    }

    // The skeleton is only a shortcut: what it reads equals what the body as sent reads, and it never reads a
    // review that the body's own reading refuses.
    [Fact]
    public void Property_the_skeleton_reads_a_review_as_the_body_does_or_not_at_all()
    {
        var fromSkeletonCount = 0;
        ReviewBodies.Sample(body =>
        {
            foreach (var contents in new[] { FileContents.Measured, FileContents.Skipped })
            {
                var (fromSkeleton, asSent) = ReadBothWays(body, contents);
                if (fromSkeleton is not null)
                {
                    Assert.Equal(asSent, fromSkeleton);
                    fromSkeletonCount++;
                }
            }
        }, iter: 3_000, threads: 1, print: body => Encoding.UTF8.GetString(body));

        // About one reading in sixteen is of a review that reads and has a content string (320-440 seen): a skeleton that never read would compare nothing.
        Assert.True(fromSkeletonCount > 150, $"only {fromSkeletonCount} of 6,000 readings came from a skeleton");
    }

    // A string without escapes is copied into the skeleton as sent, unmeasured: what JSON does not allow in it (a raw
    // control character, bytes that are not UTF-8), in a value or a member name, is refused by the skeleton's reader
    // as by the body's own.
    [Theory]
    [InlineData("\"service\":\"auth\u0001service\"")]
    [InlineData("\"serv\u001Fice\":\"auth-service\"")]
    [InlineData("\"service\":\"auth\u00FFservice\"")]
    [InlineData("\"service\":\"auth\u00C3\u0028service\"")]
    public void A_string_the_skeleton_copies_unread_is_refused_by_its_reading_as_by_the_bodys(string label)
    {
        const string Review = """
            {"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"u1","kind":{"group":"orchestrator.io","version":"v2","kind":"TaskRun"},
            "operation":"CREATE","name":"t","namespace":"team-a","object":{"apiVersion":"orchestrator.io/v2","kind":"TaskRun",
            "metadata":{"name":"t","namespace":"team-a","labels":{LABEL}},"spec":{"taskId":1,"serviceName":"auth-service","files":[{"name":"task.md","content":"do \"it\"\n"}]}}}}
            """;
        var valid = Encoding.UTF8.GetBytes(Review.Replace("LABEL", "\"service\":\"auth-service\"", StringComparison.Ordinal));
        var body = Encoding.Latin1.GetBytes(Review.Replace("LABEL", label, StringComparison.Ordinal));

        using var skeleton = ReviewSkeleton.TryBuild(body);

        Assert.NotNull(skeleton);
        foreach (var contents in new[] { FileContents.Measured, FileContents.Skipped })
        {
            Assert.NotNull(ReadBothWays(valid, contents).FromSkeleton);
            Assert.Equal((null, null), ReadBothWays(body, contents));
        }
    }

    /// <summary>The request and its objects (with the measured lengths) as read from the skeleton and as sent; null where that reading failed.</summary>
    private static (string? FromSkeleton, string? AsSent) ReadBothWays(byte[] body, FileContents contents)
    {
        using var tree = new ReviewTree(body);
        var fromSkeleton = TypedReviewReader.TryReadSkeleton(body, contents, tree, out var skeletonRequest) ? Describe(skeletonRequest) : null;
        var asSent = TypedReviewReader.TryReadAsSent(body, contents, tree, out var sentRequest) ? Describe(sentRequest) : null;
        return (fromSkeleton, asSent);
    }

    private static string Describe(AdmissionRequest request)
    {
        var typed = request.Typed!;
        var measured = string.Join(",", new[] { typed.Object, typed.OldObject }.Select(t => t is null ? "-" : string.Join(" ", t.Spec?.Files?.Select(f => f.MeasuredContentBytes?.ToString() ?? "null") ?? [])));
        return $"{request.Uid} {request.Operation} {request.Kind} {request.RequestKind} {request.Name} {request.Namespace} {request.DryRun} " +
            $"{TaskRun.Core.Serialization.KubeJson.Serialize(typed.Object)} {(typed.OldObject is null ? "-" : TaskRun.Core.Serialization.KubeJson.Serialize(typed.OldObject))} measured {measured}";
    }

    /// <summary>The whole answer (result label and the review as sent) or the 400 message, and whether the typed pass read the request.</summary>
    private static (string Answer, bool TookTypedPass) Answer(IAdmissionHandler handler, byte[] body, bool typedPass)
    {
        using var tree = new ReviewTree(body);
        try
        {
            var request = ReviewEndpoint.ReadRequest(handler, body, tree, typedPass);
            var outcome = handler.Admit(request);
            var review = JsonSerializer.Serialize(AdmissionReview.Answer(outcome.Response), WebhookJson.Default.AdmissionReview);
            return ($"{outcome.Result} {review}", request.Typed is not null);
        }
        catch (ReviewFormatException e)
        {
            return ($"400 {e.Message}", false);
        }
    }

    private static readonly Gen<JsonNode?> Labels = Pick<JsonNode?>(
        null, new JsonObject(), new JsonObject { ["task-id"] = "1001" },
        new JsonObject { ["task-id"] = "1001", ["service"] = "auth-service", ["priority"] = "medium" },
        new JsonObject { ["task-id"] = "9", ["priority"] = "urgent" }, new JsonObject { ["a"] = 1 });

    private static readonly Gen<JsonNode?> Annotations = Pick<JsonNode?>(
        null, new JsonObject { ["note"] = "x" }, new JsonObject { ["note"] = null },
        new JsonObject { ["kubectl.kubernetes.io/last-applied-configuration"] = new string('a', 300_000) },
        new JsonObject { ["kubectl.kubernetes.io/last-applied-configuration"] = "{}", ["big"] = new string('é', 140_000) });

    private static readonly Gen<JsonNode?> Finalizers = Pick<JsonNode?>(
        null, new JsonArray(), new JsonArray("taskrun.orchestrator.io/cleanup"), new JsonArray("other/one"), JsonValue.Create("not-a-list"));

    private static readonly Gen<JsonNode?> Contents = Pick<JsonNode?>(
        "# Task\nDo it.", "line \"quoted\"\t<tab> & \\ back\u00e9\u20ac\U0001F600", "", null, JsonValue.Create(42), new string('x', 5000));

    private static readonly Gen<JsonNode?> Files = Gen.Select(Gen.Int[0, 3], Contents, Pick("task.md", "notes.md", "../etc/passwd", "", "a b.md"))
        .Select(t =>
        {
            var (count, content, name) = t;
            var files = new JsonArray();
            for (var i = 0; i < count; i++)
            {
                files.Add(new JsonObject { ["name"] = i == 0 ? name : $"file-{i}.md", ["content"] = content?.DeepClone() });
            }

            return (JsonNode?)files;
        });

    private static readonly Gen<JsonNode?> Specs = Gen.Select(
            Pick<JsonNode?>(null, JsonValue.Create("high"), JsonValue.Create("medium"), JsonValue.Create("urgent"), JsonValue.Create(3)),
            Pick<JsonNode?>(null, new JsonObject(), new JsonObject { ["attempt"] = 2 }, new JsonObject { ["maxRetries"] = 5 }),
            Files,
            Pick<JsonNode?>(null, new JsonObject { ["resources"] = new JsonObject { ["limits"] = new JsonObject { ["cpu"] = "2" } } },
                new JsonObject { ["resources"] = new JsonObject { ["requests"] = new JsonObject { ["memory"] = "lots" } } }),
            Gen.Int[0, 19])
        .Select(t =>
        {
            var (priority, retry, files, agent, shape) = t;
            if (shape == 0)
            {
                return (JsonNode?)null; // absent
            }

            if (shape == 1)
            {
                return JsonValue.Create("not-a-spec");
            }

            var spec = new JsonObject { ["taskId"] = shape == 2 ? JsonValue.Create("1001") : JsonValue.Create(1001), ["serviceName"] = "auth-service", ["files"] = files };
            spec.Add("priority", priority?.DeepClone());
            if (retry is not null)
            {
                spec["retry"] = retry.DeepClone();
            }

            if (agent is not null)
            {
                spec["agent"] = agent.DeepClone();
            }

            return spec;
        });

    private static readonly Gen<JsonNode?> TaskRuns = Gen.Select(Labels, Annotations, Finalizers, Specs, Gen.Int[0, 15])
        .Select(t =>
        {
            var (labels, annotations, finalizers, spec, shape) = t;
            var taskRun = new JsonObject { ["apiVersion"] = "orchestrator.io/v2", ["kind"] = "TaskRun" };
            if (shape == 0)
            {
                taskRun["metadata"] = null;
            }
            else if (shape != 1)
            {
                var metadata = new JsonObject
                {
                    ["name"] = "auth-service-task-1001", ["namespace"] = "team-a",
                    ["managedFields"] = new JsonArray(new JsonObject { ["manager"] = "kubectl", ["operation"] = "Apply", ["fieldsType"] = "FieldsV1", ["fieldsV1"] = new JsonObject { ["f:spec"] = new JsonObject() } }),
                };
                AddIfSet(metadata, "labels", labels);
                AddIfSet(metadata, "annotations", annotations);
                AddIfSet(metadata, "finalizers", finalizers);
                if (shape == 2)
                {
                    metadata["deletionTimestamp"] = "2026-11-30T12:00:00Z";
                }

                taskRun["metadata"] = metadata;
            }

            if (spec is not null)
            {
                taskRun["spec"] = spec.DeepClone();
            }

            return (JsonNode?)taskRun;
        });

    /// <summary>Review bodies: as the API server sends them (CREATE, UPDATE with an old object, from v1, dry run), and some that are not.</summary>
    private static readonly Gen<byte[]> ReviewBodies = Gen.Select(TaskRuns, TaskRuns, Pick("CREATE", "CREATE", "UPDATE", "UPDATE", "DELETE", "CONNECT"), Gen.Int[0, 19], Gen.Bool)
        .Select(t =>
        {
            var (taskRun, oldTaskRun, operation, envelope, sameSpec) = t;
            if (sameSpec && taskRun is JsonObject current && oldTaskRun is JsonObject old && current["spec"] is { } spec)
            {
                old["spec"] = spec.DeepClone();
            }

            var request = new JsonObject
            {
                ["uid"] = envelope == 0 ? null : "705ab4f5-6393-11e8-b7cc-42010a800002",
                ["kind"] = new JsonObject { ["group"] = "orchestrator.io", ["version"] = envelope == 1 ? "v1" : "v2", ["kind"] = "TaskRun" },
                ["resource"] = new JsonObject { ["group"] = "orchestrator.io", ["version"] = "v2", ["resource"] = "taskruns" },
                ["requestKind"] = new JsonObject { ["group"] = "orchestrator.io", ["version"] = envelope == 2 ? "v1" : "v2", ["kind"] = "TaskRun" },
                ["name"] = "auth-service-task-1001",
                ["namespace"] = "team-a",
                ["operation"] = operation,
                ["userInfo"] = new JsonObject { ["username"] = "admin", ["groups"] = new JsonArray("system:masters") },
                ["object"] = operation == "DELETE" ? null : taskRun?.DeepClone(),
                ["oldObject"] = operation == "CREATE" ? null : oldTaskRun?.DeepClone(),
                ["dryRun"] = envelope == 3,
            };
            var review = new JsonObject
            {
                ["kind"] = "AdmissionReview",
                ["apiVersion"] = envelope == 4 ? "admission.k8s.io/v1beta1" : "admission.k8s.io/v1",
                ["request"] = envelope == 5 ? JsonValue.Create("no") : request,
            };
            return Encoding.UTF8.GetBytes(review.ToJsonString());
        });

    private static Gen<T> Pick<T>(params T[] values) => Gen.Int[0, values.Length - 1].Select(i => values[i]);

    private static void AddIfSet(JsonObject obj, string name, JsonNode? value)
    {
        if (value is not null)
        {
            obj[name] = value.DeepClone();
        }
    }
}
