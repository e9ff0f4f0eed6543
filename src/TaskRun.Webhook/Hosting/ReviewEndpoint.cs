using System.Buffers;
using System.Diagnostics;
using System.IO.Pipelines;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;
using TaskRun.Webhook.Admission;
using TaskRun.Webhook.Config;
using TaskRun.Webhook.Conversion;
using TaskRun.Webhook.Observability;

namespace TaskRun.Webhook.Hosting;

/// <summary>
/// Everything that reaches the TLS port: routes /mutate, /validate, /validate-config and /convert, and turns a
/// request that is not a usable review into a clear 4xx with a JSON body (404 unknown path, 405 not POST, 415 not
/// application/json, 413 too large, 400 empty, malformed, not a v1 review, no request or uid) instead of a
/// crash. A usable review always gets HTTP 200 with the request's uid; the verdict is inside it. Each review is
/// counted, timed, traced (when an exporter listens) and logged with its uid, kind, namespace/name and decision
/// (denials at Information, refusals at Warning, the rest at Debug).
/// </summary>
internal sealed class ReviewEndpoint : IDisposable
{
    // The managed heap is capped (the Deployment's DOTNET_GCHeapHardLimit): a review whose memory cannot be had
    // is shed like one over the body budget, and the process, whose other reviews are unaffected, goes on.
    private const string OutOfMemory = "the webhook ran short of memory for this review under its heap limit; retry shortly";

    // Escapes only what JSON requires: the answer goes to the API server, never into HTML.
    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private readonly Dictionary<string, IAdmissionHandler> admission;
    private readonly ConversionHandler conversion;
    private readonly WebhookOptions options;
    private readonly RequestBodyBudget budget;
    private readonly SemaphoreSlim processing = new(Math.Max(2, Environment.ProcessorCount));
    private readonly WebhookMetrics metrics;
    private readonly ILogger<ReviewEndpoint> logger;

    public ReviewEndpoint(
        MutatingHandler mutating,
        ValidatingHandler validating,
        ConfigMapValidatingHandler validatingConfig,
        ConversionHandler conversion,
        IOptions<WebhookOptions> options,
        RequestBodyBudget budget,
        WebhookMetrics metrics,
        ILogger<ReviewEndpoint> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        admission = new Dictionary<string, IAdmissionHandler>(StringComparer.Ordinal)
        {
            ["/mutate"] = mutating,
            ["/validate"] = validating,
            ["/validate-config"] = validatingConfig,
        };
        this.conversion = conversion;
        this.options = options.Value;
        this.budget = budget;
        this.metrics = metrics;
        this.logger = logger;
    }

    public static IReadOnlyList<string> Paths { get; } = ["/mutate", "/validate", "/validate-config", "/convert"];

    public async Task HandleAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var request = context.Request;
        var path = request.Path.Value ?? "";
        var isConversion = path == "/convert";
        IAdmissionHandler? handler = null;
        if (!isConversion && !admission.TryGetValue(path, out handler))
        {
            await ErrorAsync(context, "unknown", StatusCodes.Status404NotFound,
                $"no endpoint {Printable(path)}; the webhook serves POST {string.Join(", ", Paths)}");
            return;
        }

        var endpoint = isConversion ? ConversionHandler.Endpoint : handler!.Endpoint;
        if (!HttpMethods.IsPost(request.Method))
        {
            context.Response.Headers.Allow = "POST";
            await ErrorAsync(context, endpoint, StatusCodes.Status405MethodNotAllowed, $"{request.Method} is not allowed; send the review with POST");
            return;
        }

        if (!IsJson(request.ContentType))
        {
            await ErrorAsync(context, endpoint, StatusCodes.Status415UnsupportedMediaType,
                $"content type \"{Printable(request.ContentType ?? "")}\" is not supported; send the review as application/json");
            return;
        }

        var limit = isConversion ? options.MaxConversionBodyBytes : options.MaxAdmissionBodyBytes;
        if (request.ContentLength > limit)
        {
            // Not read at all; closing spares draining what the sender still has.
            context.Response.Headers.Connection = "close";
            await ErrorAsync(context, endpoint, StatusCodes.Status413PayloadTooLarge, TooLarge(request.ContentLength.Value, limit));
            return;
        }

        // A body of undeclared length may grow to the cap, so it reserves the cap.
        RequestBodyBudget.Reservation? reservation;
        try
        {
            reservation = await budget.ReserveAsync(request.ContentLength ?? limit, options.RequestBodyBudgetWait, context.RequestAborted);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            return; // the sender gave up while waiting
        }

        using var held = reservation;
        if (reservation is null)
        {
            // The connection stays open: Kestrel discards the unread body (at the minimum rate or it drops it).
            await ShedAsync(context, endpoint,
                $"the webhook is at its limit of {budget.TotalBytes:N0} request bytes in flight and could not take {request.ContentLength ?? limit:N0} more within {options.RequestBodyBudgetWait.TotalSeconds:0.#} s; retry shortly");
            return;
        }

        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } bodySize)
        {
            bodySize.MaxRequestBodySize = limit;
        }

        var started = Stopwatch.GetTimestamp();
        ReviewBody pooledBody;
        try
        {
            pooledBody = await ReviewBodyReader.ReadAsync(request.BodyReader, request.ContentLength, limit, context.RequestAborted);
        }
        catch (BadHttpRequestException e)
        {
            await ErrorAsync(context, endpoint, e.StatusCode, e.StatusCode == StatusCodes.Status413PayloadTooLarge
                ? $"the body is over the limit of {limit:N0} bytes for /{endpoint}"
                : $"the body could not be read: {e.Message}");
            return;
        }
        catch (BodyTooLargeException e)
        {
            context.Response.Headers.Connection = "close";
            await ErrorAsync(context, endpoint, StatusCodes.Status413PayloadTooLarge, TooLarge(e.Length, limit));
            return;
        }
        catch (OutOfMemoryException)
        {
            await ShedAsync(context, endpoint, OutOfMemory);
            return;
        }

        // Back to the pool once the review is answered: nothing written into the answer refers to it.
        using var bodyScope = pooledBody;
        var body = pooledBody.Memory;

        // Parsing and judging are CPU-bound: a few at a time, so a burst queues here (asynchronously) instead of
        // in the thread pool, where it would delay everything else, the health probes included.
        try
        {
            await processing.WaitAsync(context.RequestAborted);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            return;
        }

        using var activity = WebhookTelemetry.Source.StartActivity(isConversion ? "conversion" : $"admission {endpoint}", ActivityKind.Server);
        object answer;
        Verdict verdict;
        bool convertedRaw;
        verdict = null!;
        try
        {
            convertedRaw = isConversion && TryConvertRaw(context, body.Span, out verdict);
        }
        catch (OutOfMemoryException)
        {
            processing.Release();
            await ShedAsync(context, endpoint, OutOfMemory);
            return;
        }
        catch
        {
            processing.Release();
            throw;
        }

        if (convertedRaw)
        {
            processing.Release();
            await context.Response.BodyWriter.FlushAsync(context.RequestAborted);
            Record(endpoint, verdict, Stopwatch.GetElapsedTime(started), activity);
            return;
        }

        try
        {
            try
            {
                if (body.IsEmpty)
                {
                    throw new ReviewFormatException("the body is empty; expected a JSON review");
                }

                (answer, verdict) = isConversion ? Convert(new ReadOnlySequence<byte>(body)) : Admit(handler!, body);
            }
            catch (ReviewFormatException e)
            {
                activity?.SetStatus(ActivityStatusCode.Error, e.Message);
                await ErrorAsync(context, endpoint, StatusCodes.Status400BadRequest, e.Message);
                return;
            }
            catch (OutOfMemoryException)
            {
                activity?.SetStatus(ActivityStatusCode.Error, OutOfMemory);
                await ShedAsync(context, endpoint, OutOfMemory);
                return;
            }

            using var answerBytes = new PooledBufferWriter(1024);
            using (var writer = new Utf8JsonWriter(answerBytes, WriterOptions))
            {
                if (answer is ConversionReview conversionReview)
                {
                    JsonSerializer.Serialize(writer, conversionReview, WebhookJson.Default.ConversionReview);
                }
                else
                {
                    JsonSerializer.Serialize(writer, (AdmissionReview)answer, WebhookJson.Default.AdmissionReview);
                }
            }

            WriteAnswer(context, answerBytes.WrittenSpan);
        }
        finally
        {
            processing.Release();
        }

        await context.Response.BodyWriter.FlushAsync(context.RequestAborted);
        Record(endpoint, verdict, Stopwatch.GetElapsedTime(started), activity);
    }

    private static (object, Verdict) Admit(IAdmissionHandler handler, ReadOnlyMemory<byte> body)
    {
        using var tree = new ReviewTree(body);
        var request = ReadRequest(handler, body, tree);
        var outcome = handler.Admit(request);
        return (AdmissionReview.Answer(outcome.Response), new Verdict(
            request.Operation ?? "", outcome.Result, request.Uid, (request.RequestKind ?? request.Kind)?.ToString(),
            request.Namespace, request.Name, request.DryRun == true, outcome.Response.Status?.Message, outcome.Response.Warnings?.Count ?? 0));
    }

    /// <summary>
    /// The request of an AdmissionReview: read in one typed pass when the handler reads TaskRuns and the review is
    /// shaped as the API server sends it (<see cref="TypedReviewReader"/>), else from the body's tree, which says
    /// what is wrong with a body that is not a usable review (<see cref="ReviewFormatException"/>).
    /// </summary>
    /// <param name="typedPass">False reads every review the general way (tests compare the two readings).</param>
    internal static AdmissionRequest ReadRequest(IAdmissionHandler handler, ReadOnlyMemory<byte> body, ReviewTree tree, bool typedPass = true) =>
        typedPass && handler.TypedPass is { } contents && TypedReviewReader.TryRead(body, contents, tree, out var typed)
            ? typed
            : ReviewParser.ReadAdmission(tree.Root).Request!;

    /// <summary>The common conversion answered straight from the body's bytes (<see cref="ConversionHandler.TryConvertRaw"/>); false when <see cref="Convert"/> must answer.</summary>
    private bool TryConvertRaw(HttpContext context, ReadOnlySpan<byte> body, out Verdict verdict)
    {
        verdict = null!;
        // The answer is about as long as the request: one pooled buffer, sent only once it is complete.
        using var answer = new PooledBufferWriter(body.Length + 1024);
        if (!conversion.TryConvertRaw(body, answer, WriterOptions, out var converted))
        {
            return false;
        }

        verdict = new Verdict("to-" + converted.DesiredApiVersion[(converted.DesiredApiVersion.LastIndexOf('/') + 1)..], "converted", converted.Uid,
            $"{converted.Objects} objects to {converted.DesiredApiVersion}", null, null, false, null, 0);
        WriteAnswer(context, answer.WrittenSpan);
        return true;
    }

    /// <summary>
    /// A review's answer, built whole beforehand: sent with its length, so Kestrel writes the headers and the body
    /// together and frames no chunks.
    /// </summary>
    private static void WriteAnswer(HttpContext context, ReadOnlySpan<byte> answer)
    {
        context.Response.StatusCode = StatusCodes.Status200OK;
        context.Response.ContentType = "application/json";
        context.Response.ContentLength = answer.Length;
        context.Response.BodyWriter.Write(answer);
    }

    private (object, Verdict) Convert(ReadOnlySequence<byte> body)
    {
        var request = ReviewParser.ReadConversion(body).Request!;
        var (response, succeeded) = conversion.Convert(request);
        var desired = request.DesiredApiVersion ?? "";
        return (ConversionReview.Answer(response), new Verdict(
            "to-" + desired[(desired.LastIndexOf('/') + 1)..], succeeded ? "converted" : "failed", request.Uid,
            $"{request.Objects?.Count ?? 0} objects to {desired}", null, null, false, response.Result.Message, 0));
    }

    private void Record(string endpoint, Verdict verdict, TimeSpan elapsed, Activity? activity)
    {
        metrics.Requests.WithLabels(endpoint, verdict.Operation, verdict.Result).Inc();
        metrics.Duration.WithLabels(endpoint).Observe(elapsed.TotalSeconds);
        if (activity is not null)
        {
            activity.SetTag("k8s.admission.uid", verdict.Uid);
            activity.SetTag("k8s.admission.operation", verdict.Operation);
            activity.SetTag("k8s.kind", verdict.Kind);
            activity.SetTag("k8s.namespace.name", verdict.Namespace);
            activity.SetTag("k8s.object.name", verdict.Name);
            activity.SetTag("webhook.result", verdict.Result);
            activity.SetTag("webhook.dry_run", verdict.DryRun);
        }

        // A denial is news to an operator; an allowed, patched or converted review is the steady state, logged at
        // Debug: a line per review at thousands of reviews a second cost about a tenth of the webhook's CPU.
        var level = verdict.Result switch
        {
            AdmissionOutcome.Rejected or "failed" => LogLevel.Warning,
            AdmissionOutcome.Denied => LogLevel.Information,
            _ => LogLevel.Debug,
        };
        if (!logger.IsEnabled(level))
        {
            return;
        }

        // The controller logs a TaskRun's name as "taskrun"; the same key here lets one query follow a TaskRun across both.
        using var scope = verdict.Kind?.EndsWith("/TaskRun", StringComparison.Ordinal) == true && verdict.Name is not null
            ? logger.BeginScope(new Dictionary<string, object> { ["taskrun"] = verdict.Name })
            : null;
        logger.Log(level,
            "{Endpoint} {Operation} {Kind} {Namespace}/{Name} uid {Uid}: {Decision}{DryRunNote} ({Warnings} warnings, {ElapsedMs:F2} ms){Reason}",
            endpoint, verdict.Operation, verdict.Kind, verdict.Namespace, verdict.Name, verdict.Uid, verdict.Result,
            verdict.DryRun ? " (dry run)" : "", verdict.Warnings, elapsed.TotalMilliseconds,
            verdict.Message is null ? "" : ": " + verdict.Message);
    }

    /// <summary>A 503 with Retry-After: the review is refused for load, not for what it says, and a retry may pass.</summary>
    private Task ShedAsync(HttpContext context, string endpoint, string message)
    {
        context.Response.Headers.RetryAfter = "1";
        return ErrorAsync(context, endpoint, StatusCodes.Status503ServiceUnavailable, message, "overloaded");
    }

    private async Task ErrorAsync(HttpContext context, string endpoint, int statusCode, string message, string result = "bad_request")
    {
        metrics.Requests.WithLabels(endpoint, "", result).Inc();
        logger.LogWarning("{Endpoint}: answered {StatusCode} to {Method} {Path} from {Remote}: {Error}",
            endpoint, statusCode, context.Request.Method, Printable(context.Request.Path.Value ?? ""), context.Connection.RemoteIpAddress, message);
        if (context.Response.HasStarted)
        {
            return;
        }

        context.Response.StatusCode = statusCode;
        context.Response.ContentType = "application/json";
        await JsonSerializer.SerializeAsync(context.Response.Body, new ErrorBody(message, statusCode), WebhookJson.Default.ErrorBody, context.RequestAborted);
    }

    private static bool IsJson(string? contentType)
    {
        if (string.IsNullOrEmpty(contentType))
        {
            return false;
        }

        var semicolon = contentType.IndexOf(';', StringComparison.Ordinal);
        var mediaType = (semicolon < 0 ? contentType : contentType[..semicolon]).Trim();
        return mediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase);
    }

    private static string TooLarge(long length, long limit) =>
        $"the body is {length:N0} bytes, over the limit of {limit:N0} bytes";

    /// <summary>Echoes client text without control characters or unbounded length.</summary>
    private static string Printable(string value)
    {
        var shown = value.Length > 100 ? value[..100] + "…" : value;
        return new string([.. shown.Select(c => char.IsControl(c) ? '?' : c)]);
    }

    public void Dispose() => processing.Dispose();

    private sealed record Verdict(
        string Operation, string Result, string? Uid, string? Kind, string? Namespace, string? Name, bool DryRun, string? Message, int Warnings);
}
