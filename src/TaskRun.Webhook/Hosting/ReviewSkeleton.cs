using System.Buffers;
using System.Buffers.Text;
using TaskRun.Webhook.Admission;

namespace TaskRun.Webhook.Hosting;

/// <summary>
/// A review body with each file's content replaced by a JSON number, everything else byte for byte as sent. The
/// contents are nearly all of a review's bytes, and System.Text.Json's reader walks a string byte by byte once it
/// has met an escape; here a content is skipped from escape to escape with a vectorized search, and the reader
/// then goes over about a tenth of the bytes.
/// <list type="bullet">
/// <item>An AdmissionReview (<see cref="TryBuild"/>): the contents of <c>request.object</c> and
/// <c>request.oldObject</c> at <c>spec.files[*].content</c>, each replaced by its UTF-8 length once unescaped. No
/// admission check reads their text, only their length.</item>
/// <item>A ConversionReview (<see cref="TryBuildForConversion"/>): the contents of v1 objects,
/// <c>request.objects[*].spec.markdownFiles[*].content</c>, each replaced by its ordinal; <see cref="Original"/>
/// gives its string as sent, which the conversion copies without reading it.</item>
/// </list>
/// </summary>
/// <remarks>
/// This is a shortcut, never a second opinion: the scan follows the JSON structure only to find those strings,
/// and gives up (<see cref="TryBuild"/> returns null) on anything it does not take for certain: a content that
/// is not a string or null, an escape or byte System.Text.Json would refuse in a content or another escaped
/// string, a lone surrogate, nesting deeper than <see cref="MaxDepth"/>, a body that does not close. The caller
/// then reads the body as it is. A string without escapes is only searched for its closing quote and copied as
/// sent, so what JSON does not allow in it is the skeleton's reader's to refuse. The
/// skeleton is valid JSON exactly when the body is (only well-formed string tokens became number tokens), and
/// a content's key spelt with escapes is left a string, which the skeleton's reader refuses (see
/// <see cref="TypedReviewReader"/>).
/// </remarks>
internal sealed class ReviewSkeleton : IDisposable
{
    /// <summary>Deeper bodies are left to the reader (whose own limit is 64 by default).</summary>
    public const int MaxDepth = 64;

    private static readonly SearchValues<byte> EndOfLiteral = SearchValues.Create(",:}] \t\r\n{[\""u8);

    private readonly PooledBufferWriter buffer;
    private readonly List<Range>? originals;

    private ReviewSkeleton(PooledBufferWriter buffer, List<Range>? originals)
    {
        this.buffer = buffer;
        this.originals = originals;
    }

    /// <summary>The skeleton's bytes; valid until disposed.</summary>
    public ReadOnlySpan<byte> Span => buffer.WrittenSpan;

    /// <summary>How many contents a ConversionReview's skeleton replaced.</summary>
    public int Replaced => Originals.Count;

    private List<Range> Originals => originals ?? throw new InvalidOperationException("only a ConversionReview's skeleton keeps its contents' places");

    /// <summary>Where the content a ConversionReview's skeleton replaced by <paramref name="ordinal"/> is in the body: its string, quotes included.</summary>
    public Range Original(int ordinal) => Originals[ordinal];

    /// <summary>Which review's contents are replaced, and by what.</summary>
    private enum Shape : byte
    {
        AdmissionReview,
        ConversionReview,
    }

    /// <summary>Where a value sits, as far as finding the contents needs to know.</summary>
    private enum Place : byte
    {
        Elsewhere,
        Root,
        Request,
        Objects,
        TaskRun,
        Spec,
        Files,
        File,
        Content,
    }

    /// <summary>The skeleton of an AdmissionReview <paramref name="body"/>; null when it has no content to replace or the scan gave up.</summary>
    public static ReviewSkeleton? TryBuild(ReadOnlySpan<byte> body) => TryBuild(body, Shape.AdmissionReview);

    /// <summary>The skeleton of a ConversionReview <paramref name="body"/>; null when it has no content to replace or the scan gave up.</summary>
    public static ReviewSkeleton? TryBuildForConversion(ReadOnlySpan<byte> body) => TryBuild(body, Shape.ConversionReview);

    private static ReviewSkeleton? TryBuild(ReadOnlySpan<byte> body, Shape shape)
    {
        Span<Place> containers = stackalloc Place[MaxDepth];
        Span<bool> isObject = stackalloc bool[MaxDepth];
        var depth = 0;
        var expectName = false;
        var named = Place.Elsewhere; // the place of the value after the last member name read
        var copiedUpTo = 0;
        PooledBufferWriter? output = null;
        // Only a conversion copies the contents it skips; an admission check needs their lengths alone.
        var originals = shape == Shape.ConversionReview ? new List<Range>() : null;
        try
        {
            var at = 0;
            while (at < body.Length)
            {
                var current = body[at];
                switch (current)
                {
                    case (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n' or (byte)':':
                        at++;
                        continue;
                    case (byte)',':
                        expectName = depth > 0 && isObject[depth - 1];
                        at++;
                        continue;
                    case (byte)'{' or (byte)'[':
                        if (depth == MaxDepth)
                        {
                            return null;
                        }

                        containers[depth] = PlaceOfValue(containers, isObject, depth, named);
                        isObject[depth] = current == (byte)'{';
                        depth++;
                        expectName = current == (byte)'{';
                        at++;
                        continue;
                    case (byte)'}' or (byte)']':
                        if (depth == 0)
                        {
                            return null;
                        }

                        depth--;
                        expectName = false;
                        at++;
                        continue;
                    case (byte)'"':
                        if (depth == 0)
                        {
                            return null;
                        }

                        var isContent = !expectName && PlaceOfValue(containers, isObject, depth, named) == Place.Content;
                        var end = isContent ? -1 : EndOfPlainString(body, at + 1);
                        var length = 0L;
                        if (end < 0)
                        {
                            if (JsonStringBytes.Measure(body[(at + 1)..], out end, out length) != JsonStringBytes.Ending.Closed)
                            {
                                return null;
                            }

                            end += at + 1;
                        }

                        if (expectName)
                        {
                            named = Child(containers[depth - 1], body[(at + 1)..end], shape);
                            expectName = false;
                        }
                        else if (isContent)
                        {
                            output ??= new PooledBufferWriter(body.Length);
                            Write(output, body[copiedUpTo..at]);
                            Utf8Formatter.TryFormat(originals?.Count ?? length, output.GetSpan(20), out var digits);
                            output.Advance(digits);
                            originals?.Add(at..(end + 1));
                            copiedUpTo = end + 1;
                        }

                        at = end + 1;
                        continue;
                    default:
                        // A number, true, false or null: of these a content may only be null.
                        if (depth > 0 && current != (byte)'n' && PlaceOfValue(containers, isObject, depth, named) == Place.Content)
                        {
                            return null;
                        }

                        var literal = body[at..].IndexOfAny(EndOfLiteral);
                        at = literal < 0 ? body.Length : at + Math.Max(literal, 1);
                        continue;
                }
            }

            if (output is null || depth != 0)
            {
                return null; // nothing to replace, or a body that does not close
            }

            Write(output, body[copiedUpTo..]);
            var skeleton = new ReviewSkeleton(output, originals);
            output = null;
            return skeleton;
        }
        finally
        {
            output?.Dispose();
        }
    }

    public void Dispose() => buffer.Dispose();

    /// <summary>
    /// The index of the closing quote of the string that starts at <paramref name="from"/> when it has no escape;
    /// -1 when it has one (or does not close), for <see cref="JsonStringBytes.Measure"/>. Such a string is copied
    /// into the skeleton as sent, so its reader refuses it if it holds what JSON does not allow.
    /// </summary>
    private static int EndOfPlainString(ReadOnlySpan<byte> body, int from)
    {
        var found = body[from..].IndexOfAny((byte)'"', (byte)'\\');
        return found >= 0 && body[from + found] == (byte)'"' ? from + found : -1;
    }

    /// <summary>The place of a value that starts now: an array's element, or the value of the member just named.</summary>
    private static Place PlaceOfValue(ReadOnlySpan<Place> containers, ReadOnlySpan<bool> isObject, int depth, Place named) =>
        depth == 0 ? Place.Root
        : isObject[depth - 1] ? named
        : containers[depth - 1] switch
        {
            Place.Files => Place.File,
            Place.Objects => Place.TaskRun,
            _ => Place.Elsewhere,
        };

    /// <summary>The place of member <paramref name="name"/> (its raw bytes) of an object at <paramref name="parent"/>.</summary>
    private static Place Child(Place parent, ReadOnlySpan<byte> name, Shape shape) => (parent, shape) switch
    {
        (Place.Root, _) when name.SequenceEqual("request"u8) => Place.Request,
        (Place.Request, Shape.AdmissionReview) when name.SequenceEqual("object"u8) || name.SequenceEqual("oldObject"u8) => Place.TaskRun,
        (Place.Request, Shape.ConversionReview) when name.SequenceEqual("objects"u8) => Place.Objects,
        (Place.TaskRun, _) when name.SequenceEqual("spec"u8) => Place.Spec,
        (Place.Spec, Shape.AdmissionReview) when name.SequenceEqual("files"u8) => Place.Files,
        (Place.Spec, Shape.ConversionReview) when name.SequenceEqual("markdownFiles"u8) => Place.Files,
        (Place.File, _) when name.SequenceEqual("content"u8) => Place.Content,
        _ => Place.Elsewhere,
    };

    private static void Write(PooledBufferWriter output, ReadOnlySpan<byte> bytes)
    {
        bytes.CopyTo(output.GetSpan(bytes.Length));
        output.Advance(bytes.Length);
    }
}
