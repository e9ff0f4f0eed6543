namespace TaskRun.Webhook.Admission;

/// <summary>An admission handler's answer plus what the host logs and counts about it.</summary>
/// <param name="Response">The response to send (uid already set).</param>
/// <param name="Result">The metrics label: allowed, patched, denied or rejected (a request the handler cannot judge).</param>
internal sealed record AdmissionOutcome(AdmissionResponse Response, string Result)
{
    public const string Allowed = "allowed";
    public const string Patched = "patched";
    public const string Denied = "denied";
    public const string Rejected = "rejected";

    public static AdmissionOutcome Allow(AdmissionResponse response) =>
        new(response, response.Patch is null ? Allowed : Patched);

    public static AdmissionOutcome Deny(AdmissionResponse response) =>
        new(response, response.Status?.Code == 422 ? Denied : Rejected);

    /// <summary>An operation the handler does not know is denied, not allowed.</summary>
    public static AdmissionOutcome UnknownOperation(AdmissionRequest request) => Deny(AdmissionResponse.Deny(request.Uid!,
        ApiStatus.BadRequest($"operation \"{request.Operation}\" is not handled here; expected CREATE or UPDATE")));

    /// <summary>
    /// The answer to an operation that needs no judging: DELETE is allowed (nothing is written), an unknown
    /// operation denied; null for CREATE and UPDATE, which the handler judges.
    /// </summary>
    public static AdmissionOutcome? AnswerUnlessCreateOrUpdate(AdmissionRequest request) => request.Operation switch
    {
        AdmissionRequest.Create or AdmissionRequest.Update => null,
        AdmissionRequest.Delete => Allow(AdmissionResponse.Allow(request.Uid!)),
        _ => UnknownOperation(request),
    };
}

/// <summary>One admission webhook: a path and the judgement of a request.</summary>
internal interface IAdmissionHandler
{
    /// <summary>The endpoint name used in metrics, logs and spans (e.g. "mutate").</summary>
    string Endpoint { get; }

    /// <summary>
    /// What this handler does with TaskRun files' contents when the review is read in one typed pass
    /// (<see cref="Hosting.TypedReviewReader"/>); null for a handler that reads no TaskRun, whose reviews are read
    /// the general way.
    /// </summary>
    FileContents? TypedPass { get; }

    AdmissionOutcome Admit(AdmissionRequest request);
}
