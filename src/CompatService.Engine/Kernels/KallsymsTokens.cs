using System.Buffers.Binary;

namespace CompatService.Engine.Kernels;

/// <summary>
/// Finds <c>kallsyms_token_table</c> and <c>kallsyms_token_index</c> in a decompressed kernel (facts from the kernel's
/// scripts/kallsyms.c and kernel/kallsyms.c, the way vmlinux-to-elf locates them): the token table is 256 NUL-terminated
/// strings, one per byte code; every code that is a character still used in some name stands for itself, so the codes
/// '0'..'9' are always the strings "0".."9" back to back. The token index (256 little-endian u16 offsets into the
/// table, aligned) follows the table and pins down where the table starts, since what precedes it is not delimited.
/// </summary>
internal static class KallsymsTokens
{
    /// <summary>Tokens are substrings of "type letter + name".</summary>
    public const int MaxTokenLength = KallsymsDecoder.MaxNameLength + 1;
    private const int MaxCandidates = 64;
    private static readonly byte[] Digits = [(byte)'0', 0, (byte)'1', 0, (byte)'2', 0, (byte)'3', 0, (byte)'4', 0,
        (byte)'5', 0, (byte)'6', 0, (byte)'7', 0, (byte)'8', 0, (byte)'9', 0];

    /// <summary>The token table and index: where each starts and the 256 tokens.</summary>
    public sealed record Found(int TableStart, int IndexStart, byte[][] Tokens)
    {
        public int IndexEnd => IndexStart + 512;
    }

    /// <summary>Every place the digit tokens occur that is backed by a consistent token index, in file order.</summary>
    public static IEnumerable<Found> FindAll(ReadOnlyMemory<byte> data)
    {
        var from = 0;
        for (var seen = 0; seen < MaxCandidates && from < data.Length; seen++)
        {
            var hit = data.Span[from..].IndexOf(Digits);
            if (hit < 0) yield break;
            var at = from + hit;
            from = at + 1;
            if (TryAt(data.Span, at) is { } found) yield return found;
        }
    }

    /// <summary>The tables whose token for '0' starts at <paramref name="zero"/>, or null when no index confirms them.</summary>
    private static Found? TryAt(ReadOnlySpan<byte> d, int zero)
    {
        // Offsets (from the '0' token) of the strings for codes '0'..0xff, then the end of the table.
        Span<int> rel = stackalloc int[256 - '0' + 1];
        var pos = zero;
        for (var k = 0; k < rel.Length - 1; k++)
        {
            rel[k] = pos - zero;
            var len = d[pos..Math.Min(d.Length, pos + MaxTokenLength + 1)].IndexOf((byte)0);
            if (len < 0) return null; // a code no pair was worth assigning to is an empty token
            pos += len + 1;
        }
        rel[^1] = pos - zero;
        for (var pad = 0; pad < 8; pad++)
        {
            var index = pos + pad;
            if (index + 512 > d.Length) return null;
            if (pad > 0 && d[index - 1] != 0) return null;
            if (Confirm(d, zero, rel, index) is { } tableStart) return new Found(tableStart, index, Tokens(d, tableStart, index));
        }
        return null;
    }

    /// <summary>The table start when the u16 array at <paramref name="index"/> is the token index of these tokens.</summary>
    private static int? Confirm(ReadOnlySpan<byte> d, int zero, ReadOnlySpan<int> rel, int index)
    {
        if (At(d, index, 0) != 0) return null;
        var baseOff = At(d, index, '0');
        var tableStart = zero - baseOff;
        if (tableStart < 0) return null;
        for (var k = '0'; k < 256; k++)
            if (At(d, index, k) - baseOff != rel[k - '0']) return null;
        // Codes below '0': each string runs exactly up to the next one's start.
        for (var k = 0; k < '0'; k++)
        {
            int start = tableStart + At(d, index, k), next = tableStart + At(d, index, k + 1);
            if (next <= start || next > zero) return null;
            if (d[next - 1] != 0 || d[start..(next - 1)].IndexOf((byte)0) >= 0) return null;
        }
        // The table ends where the last token does; the index follows after alignment padding only.
        var end = zero + rel[^1];
        return end <= index ? tableStart : null;
    }

    private static int At(ReadOnlySpan<byte> d, int index, int k) => BinaryPrimitives.ReadUInt16LittleEndian(d[(index + 2 * k)..]);

    private static byte[][] Tokens(ReadOnlySpan<byte> d, int tableStart, int index)
    {
        var tokens = new byte[256][];
        for (var k = 0; k < 256; k++)
        {
            var start = tableStart + BinaryPrimitives.ReadUInt16LittleEndian(d[(index + 2 * k)..]);
            tokens[k] = d[start..].Slice(0, d[start..].IndexOf((byte)0)).ToArray();
        }
        return tokens;
    }
}
