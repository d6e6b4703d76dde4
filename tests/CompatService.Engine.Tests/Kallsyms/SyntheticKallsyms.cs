using System.Buffers.Binary;
using System.Text;

namespace CompatService.Engine.Tests.Kallsyms;

/// <summary>
/// A small, clearly synthetic kallsyms writer for tests, following the layout the kernel's scripts/kallsyms.c emits
/// (written from its documented behaviour, not its code): names compressed with a 256-entry token table built by
/// repeatedly giving the most frequent adjacent token pair an unused byte code, each name stored as a length (two
/// bytes from 6.1 when ≥ 0x80) plus codes, a marker every 256 names, the token index, the symbol count, and the
/// addresses as relative offsets (optionally with absolute per-cpu entries) or absolute values; every table starts
/// 8-byte aligned. The blob is embedded between seeded filler bytes, with a decoy run of digit tokens before it.
/// </summary>
public static class SyntheticKallsyms
{
    public enum Layout { Before61, Seqs61To63, From64 }
    public enum Addresses { Relative, AbsolutePercpu, Absolute }

    public sealed record Symbol(char Type, string Name, ulong Address);

    public static byte[] Build(IReadOnlyList<Symbol> symbols, Layout layout, Addresses addresses, bool twoByteLengths,
        int fillerBefore = 4096, int fillerAfter = 4096) =>
        BuildWithOffsets(symbols, layout, addresses, twoByteLengths, fillerBefore, fillerAfter).Blob;

    /// <summary>The blob and where each table ("names", "markers", "token_table", ...) starts in it.</summary>
    public static (byte[] Blob, Dictionary<string, int> At) BuildWithOffsets(IReadOnlyList<Symbol> symbols, Layout layout,
        Addresses addresses, bool twoByteLengths, int fillerBefore = 4096, int fillerAfter = 4096, Func<int, string>? extraToken = null)
    {
        var raw = symbols.Select(s => Encoding.ASCII.GetBytes(s.Type + s.Name)).ToList();
        var (tokens, encoded) = Compress(raw, extraToken);
        var names = new List<byte>();
        var markers = new List<uint>();
        for (var i = 0; i < encoded.Count; i++)
        {
            if (i % 256 == 0) markers.Add((uint)names.Count);
            var len = encoded[i].Count;
            if (twoByteLengths && len >= 0x80) { names.Add((byte)(0x80 | (len & 0x7f))); names.Add((byte)(len >> 7)); }
            else names.Add((byte)len);
            names.AddRange(encoded[i]);
        }
        var tokenTable = new List<byte>();
        var tokenIndex = new byte[512];
        for (var k = 0; k < 256; k++)
        {
            BinaryPrimitives.WriteUInt16LittleEndian(tokenIndex.AsSpan(2 * k), (ushort)tokenTable.Count);
            tokenTable.AddRange(tokens[k]);
            tokenTable.Add(0);
        }
        var seqs = symbols.Select((s, i) => (s.Name, i)).OrderBy(x => x.Name, StringComparer.Ordinal)
            .SelectMany(x => new[] { (byte)(x.i >> 16), (byte)(x.i >> 8), (byte)x.i }).ToArray();
        var count = new byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(count, (uint)symbols.Count);
        var markerBytes = markers.SelectMany(BitConverter.GetBytes).ToArray();
        var addressTables = AddressTables(symbols, addresses);

        var parts = new List<(string, byte[])>();
        if (layout != Layout.From64) parts.AddRange(addressTables);
        parts.AddRange([("num_syms", count), ("names", [.. names]), ("markers", markerBytes)]);
        if (layout == Layout.Seqs61To63) parts.Add(("seqs_of_names", seqs));
        parts.AddRange([("token_table", [.. tokenTable]), ("token_index", tokenIndex)]);
        if (layout == Layout.From64) { parts.AddRange(addressTables); parts.Add(("seqs_of_names", seqs)); }

        var rng = new Random(42);
        var blob = new List<byte>(Filler(rng, fillerBefore));
        blob.AddRange("0\01\02\03\04\05\06\07\08\09\0decoy"u8.ToArray()); // the digit tokens without an index
        var at = new Dictionary<string, int>();
        foreach (var (label, part) in parts)
        {
            while (blob.Count % 8 != 0) blob.Add(0);
            at[label] = blob.Count;
            blob.AddRange(part);
        }
        blob.AddRange(Filler(rng, fillerAfter));
        return ([.. blob], at);
    }

    private static byte[] Filler(Random rng, int n)
    {
        var b = new byte[n];
        rng.NextBytes(b);
        return b;
    }

    private static List<(string, byte[])> AddressTables(IReadOnlyList<Symbol> symbols, Addresses mode)
    {
        if (mode == Addresses.Absolute) return [("addresses", symbols.SelectMany(s => BitConverter.GetBytes(s.Address)).ToArray())];
        var percpu = mode == Addresses.AbsolutePercpu;
        var relativeBase = symbols.Where(s => !percpu || s.Address >> 63 != 0).Min(s => s.Address);
        var offsets = symbols.SelectMany(s => BitConverter.GetBytes(percpu
            ? (s.Address >> 63 == 0 ? (int)s.Address : (int)(relativeBase - 1 - s.Address))
            : (int)(uint)(s.Address - relativeBase))).ToArray();
        return [("offsets", offsets), ("relative_base", BitConverter.GetBytes(relativeBase))];
    }

    /// <summary>Every used byte stands for itself; each unused code then takes the most frequent adjacent pair.</summary>
    private static (byte[][] Tokens, List<List<byte>> Encoded) Compress(List<byte[]> raw, Func<int, string>? extraToken)
    {
        var tokens = new byte[256][];
        var used = new bool[256];
        foreach (var r in raw) foreach (var b in r) used[b] = true;
        for (var k = 0; k < 256; k++) tokens[k] = used[k] ? [(byte)k] : [];
        var encoded = raw.Select(r => r.ToList()).ToList();
        for (var code = 0; code < 256; code++)
        {
            if (used[code]) continue;
            if (extraToken?.Invoke(code) is { } forced) { tokens[code] = Encoding.ASCII.GetBytes(forced); continue; }
            var counts = new Dictionary<int, int>();
            foreach (var e in encoded)
                for (var i = 0; i + 1 < e.Count; i++)
                    counts[(e[i] << 8) | e[i + 1]] = counts.GetValueOrDefault((e[i] << 8) | e[i + 1]) + 1;
            if (counts.Count == 0) break;
            var best = counts.OrderByDescending(c => c.Value).ThenBy(c => c.Key).First();
            if (best.Value < 2) break;
            int a = best.Key >> 8, b = best.Key & 0xff;
            tokens[code] = [.. tokens[a], .. tokens[b]];
            foreach (var e in encoded)
                for (var i = 0; i + 1 < e.Count; i++)
                    if (e[i] == a && e[i + 1] == b) { e[i] = (byte)code; e.RemoveAt(i + 1); }
        }
        return (tokens, encoded);
    }
}
