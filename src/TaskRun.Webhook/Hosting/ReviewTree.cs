using System.Buffers;

namespace TaskRun.Webhook.Hosting;

/// <summary>
/// An AdmissionReview body parsed into a <see cref="JsonDocument"/> only when first asked for. Most reviews are
/// answered from the typed pass (<see cref="TypedReviewReader"/>) and never build one; the general reading
/// (<see cref="ReviewParser.ReadAdmission"/>) and a handler that compares raw objects (an UPDATE's spec) do.
/// Disposed once the review is answered.
/// </summary>
internal sealed class ReviewTree(ReadOnlyMemory<byte> body) : IDisposable
{
    private JsonDocument? document;

    /// <exception cref="ReviewFormatException">The body is not JSON.</exception>
    public JsonElement Root => (document ??= ReviewParser.ParseDocument(new ReadOnlySequence<byte>(body), "AdmissionReview")).RootElement;

    /// <summary><c>request.&lt;name&gt;</c> of a review the typed pass has read (so it has a request object); null when absent or null.</summary>
    public JsonElement? RequestMember(string name) =>
        Root.GetProperty("request").TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null ? value : null;

    public void Dispose() => document?.Dispose();
}
