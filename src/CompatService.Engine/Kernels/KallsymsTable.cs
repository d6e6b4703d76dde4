using System.IO.Compression;
using System.Text;
using CompatService.Engine.Binary;

namespace CompatService.Engine.Kernels;

/// <summary>One kallsyms entry: its name, its type letter as nm wrote it (T/t text, D/d data, B/b bss, R/r rodata, ...),
/// its address when the table carried one, and whether the name occurs more than once at different addresses.</summary>
public readonly record struct KernelSymbol(string Name, char Type, ulong? Address, bool Ambiguous);

/// <summary>
/// A kernel's kallsyms as a compact, sorted, read-only set: names (ASCII, ordinal order) in one buffer, a type letter
/// per name, optional addresses. Built from the image's own compressed tables (<see cref="KallsymsDecoder"/>) or from
/// its stored form (<see cref="Serialize"/> / <see cref="Parse"/>: names and types only, gzip'd, for the service).
/// Duplicate names keep the first entry's type and address and are marked ambiguous when their addresses differ
/// (libbpf refuses a typeless ksym whose name resolves to two addresses).
/// </summary>
public sealed class KallsymsTable
{
    private const string Magic = "kallsyms v1";
    private const string ModulesMark = "modules";
    private readonly byte[] _names;
    private readonly int[] _starts; // n + 1
    private readonly byte[] _types; // type letter; bit 7 set = ambiguous
    private readonly ulong[]? _addresses;

    private KallsymsTable(byte[] names, int[] starts, byte[] types, ulong[]? addresses, int entries, string origin, bool includesModules)
    {
        _names = names; _starts = starts; _types = types; _addresses = addresses; EntryCount = entries; Origin = origin;
        IncludesModules = includesModules;
    }

    /// <summary>
    /// Whether the table is a running kernel's /proc/kallsyms (vmlinux plus the loaded modules' symbols, what libbpf
    /// reads) rather than an image's own table, which lists vmlinux only: a name absent from the latter may still be
    /// provided by a module.
    /// </summary>
    public bool IncludesModules { get; }

    /// <summary>Distinct names.</summary>
    public int Count => _types.Length;
    /// <summary>Entries the table held before duplicates were merged (kallsyms_num_syms for a decoded image).</summary>
    public int EntryCount { get; }
    public bool HasAddresses => _addresses is not null;
    /// <summary>Where the table came from and how it was laid out ("image kallsyms: ...", "stored").</summary>
    public string Origin { get; }

    /// <summary>Bytes the table holds (names, offsets, types, addresses): what a cache should count.</summary>
    public long SizeInBytes => _names.Length + _starts.Length * 4L + _types.Length + (_addresses?.Length ?? 0) * 8L;

    public bool Contains(string name) => IndexOf(name) >= 0;

    public bool TryGet(string name, out KernelSymbol symbol)
    {
        var i = IndexOf(name);
        symbol = i < 0 ? default : At(i);
        return i >= 0;
    }

    public IEnumerable<KernelSymbol> Symbols
    {
        get { for (var i = 0; i < Count; i++) yield return At(i); }
    }

    private KernelSymbol At(int i) => new(Encoding.ASCII.GetString(NameAt(i)), (char)(_types[i] & 0x7f),
        _addresses?[i], (_types[i] & 0x80) != 0);

    private ReadOnlySpan<byte> NameAt(int i) => _names.AsSpan(_starts[i], _starts[i + 1] - _starts[i]);

    /// <summary>The same table, declared complete for a running kernel that has loaded no module (a lab guest booted from
    /// this image with none inserted): a name it lacks is then missing for libbpf too.</summary>
    public KallsymsTable AsRunningWithoutModules() => IncludesModules ? this
        : new KallsymsTable(_names, _starts, _types, _addresses, EntryCount, Origin + "; no modules loaded", includesModules: true);

    /// <summary>The symbols whose names start with <paramref name="prefix"/> (ordinal), in name order.</summary>
    public IEnumerable<KernelSymbol> WithPrefix(string prefix)
    {
        if (prefix.Length == 0 || !Ascii.IsValid(prefix)) yield break;
        var key = Encoding.ASCII.GetBytes(prefix);
        int lo = 0, hi = Count;
        while (lo < hi)
        {
            var mid = lo + ((hi - lo) >> 1);
            if (NameAt(mid).SequenceCompareTo(key) < 0) lo = mid + 1; else hi = mid;
        }
        for (var i = lo; i < Count && NameAt(i).StartsWith(key); i++) yield return At(i);
    }

    private int IndexOf(string name)
    {
        if (name.Length is 0 or > KallsymsDecoder.MaxNameLength || !Ascii.IsValid(name)) return -1;
        Span<byte> key = stackalloc byte[name.Length];
        Encoding.ASCII.GetBytes(name, key);
        int lo = 0, hi = Count - 1;
        while (lo <= hi)
        {
            var mid = lo + ((hi - lo) >> 1);
            var c = NameAt(mid).SequenceCompareTo(key);
            if (c == 0) return mid;
            if (c < 0) lo = mid + 1; else hi = mid - 1;
        }
        return -1;
    }

    /// <summary>A table from (name, type, address) entries in any order; the first entry of a name wins.</summary>
    public static KallsymsTable Build(IReadOnlyList<(string Name, char Type, ulong? Address)> entries, string origin,
        bool includesModules = false)
    {
        var order = new int[entries.Count];
        for (var i = 0; i < order.Length; i++) order[i] = i;
        // Stable: equal names keep their table order, so "first" is the kernel's first.
        var sorted = order.OrderBy(i => entries[i].Name, StringComparer.Ordinal).ToArray();
        var names = new List<byte>(entries.Count * 16);
        var starts = new List<int>(entries.Count + 1);
        var types = new List<byte>(entries.Count);
        var hasAddresses = entries.Count > 0 && entries.All(e => e.Address is not null);
        var addresses = hasAddresses ? new List<ulong>(entries.Count) : null;
        string? last = null;
        foreach (var i in sorted)
        {
            var (name, type, address) = entries[i];
            if (name == last)
            {
                if (addresses is not null && addresses[^1] != address) types[^1] |= 0x80;
                continue;
            }
            if (name.Length == 0 || !Ascii.IsValid(name)) continue;
            starts.Add(names.Count);
            names.AddRange(Encoding.ASCII.GetBytes(name));
            types.Add((byte)(type & 0x7f));
            addresses?.Add(address!.Value);
            last = name;
        }
        starts.Add(names.Count);
        return new KallsymsTable([.. names], [.. starts], [.. types], addresses?.ToArray(), entries.Count, origin, includesModules);
    }

    /// <summary>The stored form: gzip of "kallsyms v1 ENTRIES\n" ("kallsyms v1 ENTRIES modules\n" for a table that includes
    /// the loaded modules' symbols) then "T name\n" per distinct name ("T* name" when ambiguous).</summary>
    public byte[] Serialize()
    {
        using var ms = new MemoryStream();
        using (var gz = new GZipStream(ms, CompressionLevel.Optimal, leaveOpen: true))
        {
            gz.Write(Encoding.ASCII.GetBytes($"{Magic} {EntryCount}{(IncludesModules ? " " + ModulesMark : "")}\n"));
            Span<byte> head = stackalloc byte[3];
            for (var i = 0; i < Count; i++)
            {
                head[0] = (byte)(_types[i] & 0x7f);
                var ambiguous = (_types[i] & 0x80) != 0;
                head[1] = ambiguous ? (byte)'*' : (byte)' ';
                head[2] = (byte)' ';
                gz.Write(head[..(ambiguous ? 3 : 2)]);
                gz.Write(NameAt(i));
                gz.WriteByte((byte)'\n');
            }
        }
        return ms.ToArray();
    }

    /// <summary>Reads <see cref="Serialize"/>'s output (bounded: at most <see cref="KallsymsDecoder.MaxSymbols"/> names).</summary>
    public static KallsymsTable Parse(ReadOnlyMemory<byte> stored)
    {
        var text = KernelBtfReader.Unwrap(stored, "stored kallsyms");
        var span = text.Span;
        var nl = span.IndexOf((byte)'\n');
        var header = nl < 0 ? "" : Encoding.ASCII.GetString(span[..nl]);
        var includesModules = header.EndsWith(" " + ModulesMark, StringComparison.Ordinal);
        if (includesModules) header = header[..^(ModulesMark.Length + 1)];
        if (!header.StartsWith(Magic + " ", StringComparison.Ordinal) || !int.TryParse(header.AsSpan(Magic.Length + 1), out var entryCount))
            throw new BpfFormatException("stored kallsyms: bad header", 0);
        var names = new List<byte>(span.Length);
        var starts = new List<int>();
        var types = new List<byte>();
        var pos = nl + 1;
        while (pos < span.Length)
        {
            var end = span[pos..].IndexOf((byte)'\n');
            if (end < 2) throw new BpfFormatException("stored kallsyms: bad line", pos);
            var line = span.Slice(pos, end);
            var ambiguous = line[1] == (byte)'*';
            var nameStart = ambiguous ? 3 : 2;
            if (line.Length <= nameStart || types.Count >= KallsymsDecoder.MaxSymbols)
                throw new BpfFormatException("stored kallsyms: bad line or too many names", pos);
            if (starts.Count > 0 && names.Count > 0 && !IsAfter(names, starts[^1], line[nameStart..]))
                throw new BpfFormatException("stored kallsyms: names not sorted", pos);
            starts.Add(names.Count);
            foreach (var b in line[nameStart..]) names.Add(b);
            types.Add((byte)((line[0] & 0x7f) | (ambiguous ? 0x80 : 0)));
            pos += end + 1;
        }
        starts.Add(names.Count);
        return new KallsymsTable([.. names], [.. starts], [.. types], null, entryCount,
            includesModules ? "stored (vmlinux and the modules loaded when it was read)" : "stored", includesModules);
    }

    private static bool IsAfter(List<byte> names, int lastStart, ReadOnlySpan<byte> next)
    {
        var last = System.Runtime.InteropServices.CollectionsMarshal.AsSpan(names)[lastStart..];
        return last.SequenceCompareTo(next) < 0;
    }
}
