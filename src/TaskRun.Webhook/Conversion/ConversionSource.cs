using System.Buffers.Text;
using TaskRun.Webhook.Hosting;

namespace TaskRun.Webhook.Conversion;

/// <summary>
/// The bytes a raw conversion reads (<see cref="Json"/>): the review as sent, or its skeleton
/// (<see cref="ReviewSkeleton.TryBuildForConversion"/>, each v1 file content replaced by its ordinal), from which a
/// content's string is taken out of the review as sent. It counts the contents it hands out, so the conversion can
/// tell that every replaced content went into the answer as a content (<see cref="TookEveryContent"/>): one copied
/// anywhere else, with its object unconverted, would be a number where the string belongs.
/// </summary>
internal ref struct ConversionSource
{
    private readonly ReadOnlySpan<byte> body;
    private readonly ReviewSkeleton? skeleton;
    private int contentsTaken;

    /// <summary>The review as sent.</summary>
    public ConversionSource(ReadOnlySpan<byte> body)
    {
        this.body = body;
        Json = body;
    }

    /// <summary>The skeleton of <paramref name="body"/>.</summary>
    public ConversionSource(ReadOnlySpan<byte> body, ReviewSkeleton skeleton)
    {
        this.body = body;
        this.skeleton = skeleton;
        Json = skeleton.Span;
    }

    /// <summary>What the reader goes over.</summary>
    public ReadOnlySpan<byte> Json { get; }

    /// <summary>The length of the review as sent: the converted files take about as much.</summary>
    public readonly int BodyLength => body.Length;

    /// <summary>True when reading the review as sent, or when every content the skeleton replaced was taken.</summary>
    public readonly bool TookEveryContent => skeleton is null || contentsTaken == skeleton.Replaced;

    /// <summary>
    /// A file content's value at <paramref name="range"/> of <see cref="Json"/>: the string as sent for one the
    /// skeleton replaced (the skeleton has a number only where it replaced a string: it gives up on a content that
    /// was a number), else the value itself. False for an ordinal the skeleton did not write.
    /// </summary>
    public bool TryContent(Range range, out ReadOnlySpan<byte> value)
    {
        value = Json[range];
        if (skeleton is null || value.IsEmpty || !char.IsAsciiDigit((char)value[0]))
        {
            return true;
        }

        if (!Utf8Parser.TryParse(value, out int ordinal, out var used) || used != value.Length || (uint)ordinal >= (uint)skeleton.Replaced)
        {
            return false;
        }

        value = body[skeleton.Original(ordinal)];
        contentsTaken++;
        return true;
    }
}
