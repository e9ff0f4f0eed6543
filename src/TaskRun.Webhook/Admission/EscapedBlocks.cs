using System.Numerics;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace TaskRun.Webhook.Admission;

/// <summary>
/// The vectorized half of <see cref="JsonStringBytes.Measure"/>: takes a string's bytes 32 at a time while every
/// escape in a block is of the common kinds, one character (<c>\n</c>, <c>\"</c>, <c>\/</c> ...) or an ASCII
/// <c>\u00XX</c> (<c>\u003C</c>, <c>\u0026</c>: how JSON encoders write <c>&lt;</c>, <c>&amp;</c> and quotes), and
/// counts what they save from masks instead of visiting each: text files have an escape every few bytes. A block
/// with anything else before the string's end (a backslash pair, a <c>\u</c> beyond ASCII, an unknown escape) is
/// left to the escape-by-escape scan, which knows all of them.
/// </summary>
internal static class EscapedBlocks
{
    public const int BlockBytes = 32;

    /// <summary>A block and the 5 bytes after it, where an escape that starts in its last bytes ends.</summary>
    public const int BytesNeeded = BlockBytes + 5;

    private static readonly Vector256<byte> Quote = Vector256.Create((byte)'"');
    private static readonly Vector256<byte> Backslash = Vector256.Create((byte)'\\');
    private static readonly Vector256<byte> Space = Vector256.Create((byte)' ');

    /// <summary>
    /// From <paramref name="at"/>, the start of a block that is not inside an escape: the string's ending when it
    /// comes in blocks of the common kind (its closing quote at <paramref name="end"/>, or a control character
    /// before it, which reading refuses); else null, with <paramref name="at"/> past the blocks taken and
    /// <paramref name="saved"/> grown by what their escapes take beyond the bytes they stand for.
    /// </summary>
    public static JsonStringBytes.Ending? Skip(ReadOnlySpan<byte> json, ref int at, ref long saved, out int end)
    {
        end = -1;
        if (!Vector256.IsHardwareAccelerated)
        {
            return null;
        }

        ref var first = ref MemoryMarshal.GetReference(json);
        while (json.Length - at >= BytesNeeded)
        {
            var block = Vector256.LoadUnsafe(ref first, (nuint)at);
            var backslashes = Vector256.Equals(block, Backslash).ExtractMostSignificantBits();
            var quotes = Vector256.Equals(block, Quote).ExtractMostSignificantBits();
            var controls = Vector256.LessThan(block, Space).ExtractMostSignificantBits();
            if (backslashes == 0)
            {
                if ((quotes | controls) == 0)
                {
                    at += BlockBytes;
                    continue;
                }

                return Stop(at, quotes | controls, quotes, out end);
            }

            // Each backslash starts an escape unless it follows another; a block where one does is left to the
            // escape-by-escape scan (only up to the first stop: what follows the string does not matter). Below the
            // first stop, then, the escaped characters are the bytes after the backslashes, so an escaped quote is
            // no stop, and the escapes there are exactly these backslashes.
            var stops = (quotes & ~(backslashes << 1)) | controls;
            var before = stops == 0 ? uint.MaxValue : (1u << BitOperations.TrailingZeroCount(stops)) - 1;
            var starts = backslashes & before;
            if ((backslashes & (backslashes >> 1) & before) != 0)
            {
                return null;
            }

            var kinds = Vector256.LoadUnsafe(ref first, (nuint)(at + 1));
            var singles = starts & SingleCharacterKinds(kinds);
            var units = starts & ~singles;
            if (units != 0 && (units & AsciiUnits(ref first, at, kinds)) != units)
            {
                return null;
            }

            // "\n" (two bytes) stands for one byte, and so does "\u003C" (six).
            saved += BitOperations.PopCount(singles) + (5 * BitOperations.PopCount(units));
            if (stops != 0)
            {
                return Stop(at, stops, quotes, out end);
            }

            // The last escape may end in the next block's first bytes.
            var last = 31 - BitOperations.LeadingZeroCount(starts);
            at += Math.Max(BlockBytes, last + (((units >> last) & 1) != 0 ? 6 : 2));
        }

        return null;
    }

    /// <summary>The string ends at the block's first stop: closed at a quote, refused at a control character.</summary>
    private static JsonStringBytes.Ending Stop(int at, uint stops, uint quotes, out int end)
    {
        var offset = BitOperations.TrailingZeroCount(stops);
        end = at + offset;
        return ((quotes >> offset) & 1) != 0 ? JsonStringBytes.Ending.Closed : JsonStringBytes.Ending.Doubtful;
    }

    /// <summary>Bit i: byte i of <paramref name="kinds"/> makes a one-character escape after a backslash.</summary>
    private static uint SingleCharacterKinds(Vector256<byte> kinds) =>
        (Vector256.Equals(kinds, Vector256.Create((byte)'n')) | Vector256.Equals(kinds, Vector256.Create((byte)'"')) |
         Vector256.Equals(kinds, Vector256.Create((byte)'\\')) | Vector256.Equals(kinds, Vector256.Create((byte)'/')) |
         Vector256.Equals(kinds, Vector256.Create((byte)'t')) | Vector256.Equals(kinds, Vector256.Create((byte)'r')) |
         Vector256.Equals(kinds, Vector256.Create((byte)'b')) | Vector256.Equals(kinds, Vector256.Create((byte)'f'))).ExtractMostSignificantBits();

    /// <summary>Bit i: the bytes after a backslash at <paramref name="at"/> + i are <c>u00</c>, an octal digit and a hex digit: one ASCII character.</summary>
    private static uint AsciiUnits(ref byte first, int at, Vector256<byte> kinds)
    {
        var zero = Vector256.Create((byte)'0');
        var high = Vector256.LoadUnsafe(ref first, (nuint)(at + 2));
        var second = Vector256.LoadUnsafe(ref first, (nuint)(at + 3));
        var third = Vector256.LoadUnsafe(ref first, (nuint)(at + 4));
        var fourth = Vector256.LoadUnsafe(ref first, (nuint)(at + 5));
        var digit = Vector256.LessThan(fourth - zero, Vector256.Create((byte)10));
        var letter = Vector256.LessThan((fourth | Vector256.Create((byte)0x20)) - Vector256.Create((byte)'a'), Vector256.Create((byte)6));
        return (Vector256.Equals(kinds, Vector256.Create((byte)'u')) & Vector256.Equals(high, zero) & Vector256.Equals(second, zero) &
                Vector256.LessThan(third - zero, Vector256.Create((byte)8)) & (digit | letter)).ExtractMostSignificantBits();
    }
}
