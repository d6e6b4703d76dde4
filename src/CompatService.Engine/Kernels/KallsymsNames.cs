using System.Buffers.Binary;
using CompatService.Engine.Binary;

namespace CompatService.Engine.Kernels;

/// <summary>
/// <c>kallsyms_markers</c> (offset into the names of every 256th symbol, u32 — u64 on old 64-bit kernels) and
/// <c>kallsyms_names</c> (per symbol: a length, then that many token codes; from 6.1 a length ≥ 0x80 takes two bytes,
/// low 7 bits first), preceded by <c>kallsyms_num_syms</c>. Up to 6.3 the tables run offsets/addresses, relative base,
/// num_syms, names, markers, [seqs_of_names 6.1+], token table, token index; from 6.4 num_syms, names, markers, token
/// table, token index, offsets/addresses, relative base, seqs_of_names. Each table is aligned, so zero padding may sit
/// between them.
/// </summary>
internal static class KallsymsNames
{
    /// <summary>Longest compressed entry accepted (KSYM_NAME_LEN is 512 from 6.1, 128 before).</summary>
    private const int MaxEntryBytes = 2 + 1024;
    private const int MaxGap = 15;
    private static int MaxMarkers => KallsymsDecoder.MaxSymbols / 256 + 1;

    /// <summary>A marker table; <see cref="NMin"/>..<see cref="NMax"/> bound the symbol count when seqs_of_names
    /// (3 bytes per symbol) sits between it and the token table.</summary>
    public sealed record Markers(int Start, int End, int Width, long[] Values, bool SeqsFollow, int NMin = 1, int NMax = int.MaxValue);

    /// <summary>Where the names are: start, symbol count, where the count was read, and the length encoding.</summary>
    public sealed record Names(int Start, int Count, int CountAt, bool TwoByteLengths, int End);

    /// <summary>The markers before the token table: directly (≤ 6.0, ≥ 6.4) or with seqs_of_names between (6.1–6.3).</summary>
    public static IEnumerable<Markers> FindMarkers(ReadOnlyMemory<byte> data, int tokenTable)
    {
        foreach (var width in new[] { 4, 8 })
            foreach (var end in new[] { tokenTable, tokenTable - 4 })
                if (end >= width && IsZero(data.Span, end, tokenTable) && EndingAt(data.Span, end, width) is { } m)
                    yield return m;
        foreach (var m in WithSeqsBetween(data, tokenTable)) yield return m;
    }

    private static IEnumerable<Markers> WithSeqsBetween(ReadOnlyMemory<byte> data, int tokenTable)
    {
        var limit = Math.Max(0, tokenTable - 3L * KallsymsDecoder.MaxSymbols - 8);
        for (var q = tokenTable - 4; q - 4 >= limit; q -= 4)
        {
            var s = tokenTable - q;
            // seqs_of_names is aligned too: up to 4 bytes of padding before it, up to 7 after.
            int nMin = Math.Max(1, (s - 11 + 2) / 3), nMax = s / 3;
            if (nMin > nMax) continue;
            for (var m = (nMin + 255) / 256; m <= (nMax + 255) / 256; m++)
            {
                if (!QuickMarkers(data.Span, q, m) || EndingAt(data.Span, q, 4) is not { } found || found.Values.Length != m) continue;
                int lo = Math.Max(nMin, (m - 1) * 256 + 1), hi = Math.Min(nMax, m * 256);
                for (var n = lo; n <= hi; n++)
                    foreach (var before in new[] { 0, 4 })
                        if (IsZero(data.Span, q, q + before) && IsZero(data.Span, q + before + 3 * n, tokenTable))
                            yield return found with { SeqsFollow = true, NMin = n, NMax = n };
            }
        }
    }

    private static bool QuickMarkers(ReadOnlySpan<byte> d, int end, int m)
    {
        if (end - 4 * m < 0) return false;
        if (U32(d, end - 4 * m) != 0) return false;
        return m == 1 || (U32(d, end - 4 * m + 4) > 0 && U32(d, end - 4) > U32(d, end - 8));
    }

    private static uint U32(ReadOnlySpan<byte> d, int at) => BinaryPrimitives.ReadUInt32LittleEndian(d[at..]);

    /// <summary>A marker table ending at <paramref name="end"/>: values strictly decreasing going back, down to 0.</summary>
    private static Markers? EndingAt(ReadOnlySpan<byte> d, int end, int width)
    {
        var values = new List<long>();
        var at = end;
        while (at - width >= 0 && values.Count < MaxMarkers)
        {
            at -= width;
            long v = width == 4 ? BinaryPrimitives.ReadUInt32LittleEndian(d[at..]) : (long)BinaryPrimitives.ReadUInt64LittleEndian(d[at..]);
            if (v < 0 || (values.Count > 0 && v >= values[^1])) return null;
            values.Add(v);
            if (v == 0)
            {
                values.Reverse();
                return new Markers(at, end, width, [.. values], false);
            }
        }
        return null;
    }

    /// <summary>The names that end just before <paramref name="m"/> and agree with every marker.</summary>
    public static Names? Find(ReadOnlySpan<byte> d, Markers m)
    {
        var count = m.Values.Length;
        long last = m.Values[^1];
        var hi = m.Start - last - 1;
        var lo = Math.Max(8, hi - 256L * MaxEntryBytes);
        for (var s = hi; s >= lo; s--)
        {
            foreach (var countAt in new[] { s - 4, s - 8 })
            {
                if (countAt == s - 8 && BinaryPrimitives.ReadUInt32LittleEndian(d[(int)(s - 4)..]) != 0) continue;
                var n = BinaryPrimitives.ReadUInt32LittleEndian(d[(int)countAt..]);
                if (n <= (count - 1) * 256L || n > count * 256L || n < m.NMin || n > m.NMax) continue;
                foreach (var big in new[] { true, false })
                    if (Walk(d, (int)s, (int)n, m, big, (count - 1) * 256) is { } _ && Walk(d, (int)s, (int)n, m, big, 0) is { } end)
                        return new Names((int)s, (int)n, (int)countAt, big, end);
            }
        }
        return null;
    }

    /// <summary>Steps over entries <paramref name="from"/>..n-1 checking markers; the end of the names, or null.</summary>
    private static int? Walk(ReadOnlySpan<byte> d, int start, int n, Markers m, bool big, int from)
    {
        long pos = start + m.Values[from / 256];
        for (var j = from; j < n; j++)
        {
            if (j % 256 == 0 && pos - start != m.Values[j / 256]) return null;
            if (pos >= m.Start) return null;
            int len = d[(int)pos];
            if (big && len >= 0x80)
            {
                if (pos + 1 >= m.Start) return null;
                len = (len & 0x7f) | (d[(int)pos + 1] << 7);
                pos++;
            }
            if (len == 0) return null;
            pos += 1 + len;
        }
        return pos <= m.Start && m.Start - pos <= MaxGap && IsZero(d, (int)pos, m.Start) ? (int)pos : null;
    }

    /// <summary>Expands every name: (type letter, name) per symbol in table order.</summary>
    public static List<(char Type, string Name)> Decode(ReadOnlySpan<byte> d, Names names, byte[][] tokens)
    {
        var result = new List<(char, string)>(names.Count);
        Span<byte> buffer = stackalloc byte[KallsymsDecoder.MaxNameLength + 1];
        var pos = names.Start;
        for (var j = 0; j < names.Count; j++)
        {
            var entryAt = pos;
            int len = d[pos++];
            if (names.TwoByteLengths && len >= 0x80) len = (len & 0x7f) | (d[pos++] << 7);
            var codes = Bounds.Slice(d, pos, len, $"kallsyms_names entry {j}");
            pos += len;
            var n = 0;
            foreach (var c in codes)
            {
                var t = tokens[c];
                if (n + t.Length > buffer.Length)
                    throw new BpfFormatException($"kallsyms_names entry {j} expands beyond {KallsymsDecoder.MaxNameLength} characters", entryAt);
                t.CopyTo(buffer[n..]);
                n += t.Length;
            }
            if (n < 2) throw new BpfFormatException($"kallsyms_names entry {j} has no name after its type letter", entryAt);
            result.Add(((char)buffer[0], System.Text.Encoding.Latin1.GetString(buffer[1..n])));
        }
        return result;
    }

    public static bool IsZero(ReadOnlySpan<byte> d, int from, int to) =>
        from >= 0 && to <= d.Length && from <= to && d[from..to].IndexOfAnyExcept((byte)0) < 0;
}
