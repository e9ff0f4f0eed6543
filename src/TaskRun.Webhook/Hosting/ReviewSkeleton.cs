using System.Buffers;
using System.Buffers.Text;
using TaskRun.Webhook.Admission;

namespace TaskRun.Webhook.Hosting;

/// <summary>
/// An AdmissionReview body with each file's content (<c>request.object</c> and <c>request.oldObject</c>, at
/// <c>spec.files[*].content</c>) replaced by its UTF-8 length once unescaped, as a JSON number: everything else
/// byte for byte as sent. The contents are nearly all of a review's bytes and no admission check reads their
/// text, only their length; System.Text.Json's reader, which the typed pass needs for the rest, walks a string
/// byte by byte once it has met an escape. Here a content is skipped from escape to escape with a vectorized
/// search, and the reader then goes over about a tenth of the bytes.
/// </summary>
/// <remarks>
/// This is a shortcut, never a second opinion: the scan follows the JSON structure only to find those strings,
/// and gives up (<see cref="TryBuild"/> returns null) on anything it does not take for certain: a content that
/// is not a string or null, an escape or byte System.Text.Json would refuse, a lone surrogate, nesting deeper
/// than <see cref="MaxDepth"/>, a body that does not close. The caller then reads the body as it is. The
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

    private ReviewSkeleton(PooledBufferWriter buffer) => this.buffer = buffer;

    /// <summary>The skeleton's bytes; valid until disposed.</summary>
    public ReadOnlySpan<byte> Span => buffer.WrittenSpan;

    /// <summary>Where a value sits, as far as finding the contents needs to know.</summary>
    private enum Place : byte
    {
        Elsewhere,
        Root,
        Request,
        TaskRun,
        Spec,
        Files,
        File,
        Content,
    }

    /// <summary>The skeleton of <paramref name="body"/>; null when it has no content to replace or the scan gave up.</summary>
    public static ReviewSkeleton? TryBuild(ReadOnlySpan<byte> body)
    {
        Span<Place> containers = stackalloc Place[MaxDepth];
        Span<bool> isObject = stackalloc bool[MaxDepth];
        var depth = 0;
        var expectName = false;
        var named = Place.Elsewhere; // the place of the value after the last member name read
        var copiedUpTo = 0;
        PooledBufferWriter? output = null;
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
                        if (depth == 0 || JsonStringBytes.Measure(body[(at + 1)..], out var end, out var length) != JsonStringBytes.Ending.Closed)
                        {
                            return null;
                        }

                        end += at + 1;
                        if (expectName)
                        {
                            named = Child(containers[depth - 1], body[(at + 1)..end]);
                            expectName = false;
                        }
                        else if (PlaceOfValue(containers, isObject, depth, named) == Place.Content)
                        {
                            output ??= new PooledBufferWriter(body.Length);
                            Write(output, body[copiedUpTo..at]);
                            Utf8Formatter.TryFormat(length, output.GetSpan(20), out var digits);
                            output.Advance(digits);
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
            var skeleton = new ReviewSkeleton(output);
            output = null;
            return skeleton;
        }
        finally
        {
            output?.Dispose();
        }
    }

    public void Dispose() => buffer.Dispose();

    /// <summary>The place of a value that starts now: an array's element, or the value of the member just named.</summary>
    private static Place PlaceOfValue(ReadOnlySpan<Place> containers, ReadOnlySpan<bool> isObject, int depth, Place named) =>
        depth == 0 ? Place.Root
        : isObject[depth - 1] ? named
        : containers[depth - 1] == Place.Files ? Place.File : Place.Elsewhere;

    /// <summary>The place of member <paramref name="name"/> (its raw bytes) of an object at <paramref name="parent"/>.</summary>
    private static Place Child(Place parent, ReadOnlySpan<byte> name) => parent switch
    {
        Place.Root when name.SequenceEqual("request"u8) => Place.Request,
        Place.Request when name.SequenceEqual("object"u8) || name.SequenceEqual("oldObject"u8) => Place.TaskRun,
        Place.TaskRun when name.SequenceEqual("spec"u8) => Place.Spec,
        Place.Spec when name.SequenceEqual("files"u8) => Place.Files,
        Place.File when name.SequenceEqual("content"u8) => Place.Content,
        _ => Place.Elsewhere,
    };

    private static void Write(PooledBufferWriter output, ReadOnlySpan<byte> bytes)
    {
        bytes.CopyTo(output.GetSpan(bytes.Length));
        output.Advance(bytes.Length);
    }
}
