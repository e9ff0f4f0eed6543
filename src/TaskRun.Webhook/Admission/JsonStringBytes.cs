using System.Buffers;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace TaskRun.Webhook.Admission;

/// <summary>
/// The raw bytes of a JSON string read without making it a string: where it ends and how long it is in UTF-8
/// once unescaped, in one pass. System.Text.Json's reader walks a string byte by byte once it has met an escape,
/// and text files are full of them (<c>\n</c>, <c>\"</c>, <c>\u003c</c>). Here a block of 32 bytes whose escapes
/// are all of the common kinds is counted from masks (<see cref="EscapedBlocks"/>); any other block is taken
/// from escape to escape, the plain runs between them skipped 32 bytes at a time.
/// </summary>
internal static class JsonStringBytes
{
    private static readonly sbyte[] HexDigitValues = CreateHexDigitValues();

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
        Ending? ending;
        do
        {
            ending = EscapedBlocks.Skip(json, ref at, ref saved, out end) ?? Escapes(json, ref at, ref saved, out end);
        }
        while (ending is null);

        if (ending == Ending.Doubtful)
        {
            return Ending.Doubtful;
        }

        // Escapes are ASCII: the raw bytes are valid UTF-8 exactly when the unescaped ones are.
        if (!System.Text.Unicode.Utf8.IsValid(json[..end]))
        {
            return Ending.Doubtful;
        }

        unescapedLength = end - saved;
        return ending.Value;
    }

    /// <summary>
    /// Goes from escape to escape, one at a time, from <paramref name="at"/> (never inside an escape) until it has
    /// passed the block of 32 bytes that starts there, or to the end of the bytes when fewer are left than
    /// <see cref="EscapedBlocks"/> needs; null, with <paramref name="at"/> on the next quote, backslash or control
    /// character, while the string goes on past that block.
    /// </summary>
    private static Ending? Escapes(ReadOnlySpan<byte> json, ref int at, ref long saved, out int end)
    {
        end = -1;
        var limit = json.Length - at < EscapedBlocks.BytesNeeded ? json.Length : at + EscapedBlocks.BlockBytes;
        var block = SpecialBytes.None;
        while (true)
        {
            var special = block.Next(json, at);
            if (special < 0)
            {
                end = json.Length;
                return Ending.Unclosed;
            }

            at = special;
            if (at >= limit)
            {
                return null;
            }

            var current = json[at];
            if (current == (byte)'"')
            {
                end = at;
                return Ending.Closed;
            }

            if (current != (byte)'\\' || at + 1 >= json.Length)
            {
                return Ending.Doubtful;
            }

            var kind = json[at + 1];
            if (kind == (byte)'u')
            {
                var unit = Unit(json, at);
                if (unit < 0)
                {
                    return Ending.Doubtful;
                }

                if ((uint)(unit - 0xD800) < 0x800)
                {
                    // A pair \uD83D\uDE00 is one four-byte character; a lone or reversed surrogate is refused.
                    if (unit >= 0xDC00 || at + 12 > json.Length || json[at + 6] != (byte)'\\' || json[at + 7] != (byte)'u' ||
                        (uint)(Unit(json, at + 6) - 0xDC00) >= 0x400)
                    {
                        return Ending.Doubtful;
                    }

                    saved += 12 - 4;
                    at += 12;
                }
                else
                {
                    saved += 6 - (unit < 0x80 ? 1 : unit < 0x800 ? 2 : 3);
                    at += 6;
                }
            }
            else if (kind is (byte)'"' or (byte)'\\' or (byte)'/' or (byte)'b' or (byte)'f' or (byte)'n' or (byte)'r' or (byte)'t')
            {
                saved += 1;
                at += 2;
            }
            else
            {
                return Ending.Doubtful;
            }
        }
    }

    /// <summary>
    /// The value of the four hex digits of the <c>\\u</c> escape at <paramref name="at"/>; negative when one is
    /// not a hex digit or the bytes end first. A table, not comparisons: digits and letters alternate
    /// (<c>\\u003C</c>, <c>\\u0022</c>) in a way branches mispredict.
    /// </summary>
    private static int Unit(ReadOnlySpan<byte> json, int at)
    {
        if (at + 6 > json.Length)
        {
            return -1;
        }

        // -1 for a byte that is not a hex digit: shifted and or-ed with the other digits, the result stays negative.
        ref var digits = ref MemoryMarshal.GetArrayDataReference(HexDigitValues);
        int first = Unsafe.Add(ref digits, json[at + 2]), second = Unsafe.Add(ref digits, json[at + 3]),
            third = Unsafe.Add(ref digits, json[at + 4]), fourth = Unsafe.Add(ref digits, json[at + 5]);
        return (first << 12) | (second << 8) | (third << 4) | fourth;
    }

    private static sbyte[] CreateHexDigitValues()
    {
        var values = new sbyte[256];
        Array.Fill(values, (sbyte)-1);
        for (var digit = 0; digit < 16; digit++)
        {
            values["0123456789abcdef"[digit]] = (sbyte)digit;
            values["0123456789ABCDEF"[digit]] = (sbyte)digit;
        }

        return values;
    }

    /// <summary>
    /// Finds quotes, backslashes and control characters 32 bytes at a time, and remembers the last block's: between
    /// escapes a string has only a few bytes, so most escapes are found in the block already loaded.
    /// </summary>
    private struct SpecialBytes
    {
        private const int BlockBytes = 32;

        private int blockStart;
        private uint found; // bit i: byte blockStart + i is special

        public static SpecialBytes None => new() { blockStart = int.MinValue / 2 };

        /// <summary>The index of the first quote, backslash or control character at or after <paramref name="from"/>; -1 when none.</summary>
        public int Next(ReadOnlySpan<byte> json, int from)
        {
            var offset = from - blockStart;
            if ((uint)offset < BlockBytes && (found & (uint.MaxValue << offset)) is var left && left != 0)
            {
                return blockStart + BitOperations.TrailingZeroCount(left);
            }

            if (Vector256.IsHardwareAccelerated)
            {
                ref var first = ref MemoryMarshal.GetReference(json);
                var quote = Vector256.Create((byte)'"');
                var backslash = Vector256.Create((byte)'\\');
                var space = Vector256.Create((byte)' ');
                for (; from + BlockBytes <= json.Length; from += BlockBytes)
                {
                    var block = Vector256.LoadUnsafe(ref first, (nuint)from);
                    var special = (Vector256.Equals(block, quote) | Vector256.Equals(block, backslash) | Vector256.LessThan(block, space)).ExtractMostSignificantBits();
                    if (special != 0)
                    {
                        blockStart = from;
                        found = special;
                        return from + BitOperations.TrailingZeroCount(special);
                    }
                }
            }

            this = None;
            var rest = json[from..].IndexOfAny(QuoteBackslashOrControl);
            return rest < 0 ? -1 : from + rest;
        }
    }
}
