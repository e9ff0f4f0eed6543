using System.Buffers;
using System.Numerics;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace TaskRun.Webhook.Admission;

/// <summary>
/// The raw bytes of a JSON string read without making it a string: where it ends and how long it is in UTF-8
/// once unescaped, in one pass. System.Text.Json's reader walks a string byte by byte once it has met an escape,
/// and text files are full of them (<c>\n</c>, <c>\"</c>, <c>\u003c</c>); here the plain runs between escapes
/// are skipped 32 bytes at a time.
/// </summary>
internal static class JsonStringBytes
{
    private static readonly SearchValues<byte> QuoteBackslashOrControl = SearchValues.Create(
        [(byte)'"', (byte)'\\', 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31]);

    /// <summary>How a string's bytes ended.</summary>
    public enum Ending
    {
        /// <summary>At an unescaped quote, the string's closing one.</summary>
        Closed,

        /// <summary>With the bytes: all of them are the string (a reader's <c>ValueSpan</c>).</summary>
        Unclosed,

        /// <summary>
        /// At something System.Text.Json would refuse or this does not measure: a control character, an unknown
        /// escape, a lone surrogate, bytes that are not UTF-8. Reading the value with System.Text.Json says which.
        /// </summary>
        Doubtful,
    }

    /// <summary>
    /// Scans <paramref name="json"/>, the bytes after a string's opening quote, up to its closing quote
    /// (<paramref name="end"/>, its index) or the end of the bytes; <paramref name="unescapedLength"/> is the
    /// UTF-8 length of what lies before it once unescaped. Both are meaningful unless the answer is
    /// <see cref="Ending.Doubtful"/>.
    /// </summary>
    public static Ending Measure(ReadOnlySpan<byte> json, out int end, out long unescapedLength)
    {
        end = -1;
        unescapedLength = 0;
        long saved = 0; // bytes the escapes take beyond what they stand for
        var at = 0;
        Ending ending;
        while (true)
        {
            at = NextQuoteBackslashOrControl(json, at);
            if (at < 0)
            {
                end = json.Length;
                ending = Ending.Unclosed;
                break;
            }

            var current = json[at];
            if (current == (byte)'"')
            {
                end = at;
                ending = Ending.Closed;
                break;
            }

            if (current != (byte)'\\' || at + 1 >= json.Length)
            {
                return Ending.Doubtful;
            }

            switch (json[at + 1])
            {
                case (byte)'"' or (byte)'\\' or (byte)'/' or (byte)'b' or (byte)'f' or (byte)'n' or (byte)'r' or (byte)'t':
                    saved += 1;
                    at += 2;
                    break;
                case (byte)'u' when Unit(json, at) is { } unit:
                    if (char.IsHighSurrogate(unit))
                    {
                        // A pair \uD83D\uDE00 is one four-byte character; anything else after a high surrogate is refused.
                        if (Unit(json, at + 6) is not { } low || !char.IsLowSurrogate(low))
                        {
                            return Ending.Doubtful;
                        }

                        saved += 12 - 4;
                        at += 12;
                    }
                    else if (char.IsLowSurrogate(unit))
                    {
                        return Ending.Doubtful;
                    }
                    else
                    {
                        saved += 6 - (unit < 0x80 ? 1 : unit < 0x800 ? 2 : 3);
                        at += 6;
                    }

                    break;
                default:
                    return Ending.Doubtful;
            }
        }

        // Escapes are ASCII: the raw bytes are valid UTF-8 exactly when the unescaped ones are.
        if (!System.Text.Unicode.Utf8.IsValid(json[..end]))
        {
            return Ending.Doubtful;
        }

        unescapedLength = end - saved;
        return ending;
    }

    /// <summary>The UTF-16 unit of the escape <c>\uXXXX</c> at <paramref name="at"/>; null when there is none.</summary>
    private static char? Unit(ReadOnlySpan<byte> json, int at)
    {
        if (at + 6 > json.Length || json[at] != (byte)'\\' || json[at + 1] != (byte)'u')
        {
            return null;
        }

        var value = (Hex(json[at + 2]) << 12) | (Hex(json[at + 3]) << 8) | (Hex(json[at + 4]) << 4) | Hex(json[at + 5]);
        return value < 0 ? null : (char)value;
    }

    /// <summary>A hex digit's value; -1 for any other byte (all bits set: shifted by up to 12 and or-ed with the other digits, still negative).</summary>
    private static int Hex(byte digit)
    {
        if ((uint)(digit - '0') <= 9)
        {
            return digit - '0';
        }

        var lower = digit | 0x20;
        return (uint)(lower - 'a') <= 5 ? lower - 'a' + 10 : -1;
    }

    /// <summary>The index of the first quote, backslash or control character at or after <paramref name="from"/>; -1 when none.</summary>
    private static int NextQuoteBackslashOrControl(ReadOnlySpan<byte> json, int from)
    {
        // Inline 32-byte steps: between escapes only a few dozen bytes, where a library search's call costs as much as the search.
        if (Vector256.IsHardwareAccelerated)
        {
            ref var first = ref MemoryMarshal.GetReference(json);
            var quote = Vector256.Create((byte)'"');
            var backslash = Vector256.Create((byte)'\\');
            var space = Vector256.Create((byte)' ');
            for (; from + Vector256<byte>.Count <= json.Length; from += Vector256<byte>.Count)
            {
                var block = Vector256.LoadUnsafe(ref first, (nuint)from);
                var found = (Vector256.Equals(block, quote) | Vector256.Equals(block, backslash) | Vector256.LessThan(block, space)).ExtractMostSignificantBits();
                if (found != 0)
                {
                    return from + BitOperations.TrailingZeroCount(found);
                }
            }
        }

        var rest = json[from..].IndexOfAny(QuoteBackslashOrControl);
        return rest < 0 ? -1 : from + rest;
    }
}
