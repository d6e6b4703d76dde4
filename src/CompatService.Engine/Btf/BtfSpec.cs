using System.Text;
using CompatService.Engine.Binary;

namespace CompatService.Engine.Btf;

/// <summary>
/// A parsed BTF blob (raw .BTF bytes), either byte order, optionally split on top of a base.
/// Parse makes one bounds-checking pass that records each type's offset and indexes names by a hash of their
/// UTF-8 bytes (no strings allocated); types decode lazily on first <see cref="GetType"/> and are cached.
/// Thread-safe for readers.
/// </summary>
public sealed class BtfSpec
{
    private readonly BtfHeader _header;
    private readonly int[] _offsets;
    private readonly int _count;
    private readonly BtfNameIndex _names;
    private readonly int[] _declTags;
    private readonly Dictionary<uint, BtfType> _cache = new();

    private BtfSpec(ReadOnlyMemory<byte> raw, BtfHeader header, BtfSpec? baseSpec, BtfStringTable strings, string section,
        BtfTypeScanner.Result scan, uint firstId)
    {
        RawBytes = raw;
        _header = header;
        Base = baseSpec;
        Strings = strings;
        Section = section;
        _offsets = scan.Offsets;
        _count = scan.Count;
        _declTags = scan.DeclTags;
        _names = scan.Names;
        FirstTypeId = firstId;
    }

    /// <summary>Parses raw BTF. <paramref name="baseSpec"/> for split (module) BTF. Each type scanned is charged to <paramref name="budget"/>.</summary>
    public static BtfSpec Parse(ReadOnlyMemory<byte> raw, BtfSpec? baseSpec = null, string? sectionName = null, AnalysisBudget? budget = null)
    {
        var section = sectionName ?? ".BTF";
        var span = raw.Span;
        var header = BtfHeader.Parse(span, section, baseSpec is not null);
        if (baseSpec is not null && baseSpec.Endian != header.Endian)
            throw new BpfFormatException("split BTF byte order differs from its base", 0, section);
        var strings = new BtfStringTable(raw.Slice((int)header.StringStart, (int)header.StringLength), baseSpec?.Strings);
        var firstId = baseSpec is null ? 1u : baseSpec.LastTypeId + 1;
        var types = raw.Slice((int)header.TypeStart, (int)header.TypeLength);
        var scan = BtfTypeScanner.Scan(types, header.TypeStart, header.Endian.IsBig, strings, firstId, section);
        if ((ulong)firstId + (ulong)scan.Count > BtfNameIndex.MaxTypes + 1UL)
            throw new BpfFormatException($"type ids up to {firstId + scan.Count - 1} exceed the supported maximum", header.TypeStart, section);
        if (budget is not null && !budget.TryCharge(scan.Count)) throw budget.Exceeded($"BTF {section}: {scan.Count} types");
        return new BtfSpec(raw, header, baseSpec, strings, section, scan, firstId);
    }

    public Endian Endian => _header.Endian;
    public BtfSpec? Base { get; }
    /// <summary>First id defined by this blob (1 for a base blob; base's last + 1 for split BTF).</summary>
    public uint FirstTypeId { get; }
    /// <summary>Last id defined by this blob.</summary>
    public uint LastTypeId => FirstTypeId + (uint)_count - 1;
    public ReadOnlyMemory<byte> RawBytes { get; }
    /// <summary>Number of types defined by this blob (void and the base's types not counted).</summary>
    public int TypeCount => _count;
    /// <summary>The header length (24 for classic headers; longer ones have zero extra bytes).</summary>
    public uint HeaderLength => _header.HeaderLength;
    /// <summary>Section name used in error messages (".BTF" unless given).</summary>
    public string Section { get; }

    internal BtfStringTable Strings { get; }
    internal long TypeStart => _header.TypeStart;
    internal ReadOnlySpan<byte> TypeBytes => RawBytes.Span.Slice((int)_header.TypeStart, (int)_header.TypeLength);
    internal int OffsetOf(int local) => _offsets[local];
    internal int NameSlotCount => _names.SlotCount;

    /// <summary>
    /// The name index is built by <see cref="Parse"/> (one pass with the type scan); this returns the spec and exists so
    /// callers and benchmarks can state that they need it without depending on that.
    /// </summary>
    public BtfSpec EnsureNameIndex() => this;

    /// <summary>Whether <paramref name="id"/> is void, a type of this blob or of its base.</summary>
    public bool Contains(BtfTypeId id) => id.Value <= LastTypeId;

    /// <summary>Resolves ids of this blob and of its base (0 is <see cref="BtfVoid"/>). Throws BpfFormatException for an id out of range.</summary>
    public BtfType GetType(BtfTypeId id)
    {
        if (id.Value == 0) return BtfVoid.Instance;
        if (id.Value < FirstTypeId) return Base!.GetType(id);
        var local = Local(id);
        lock (_cache)
            if (_cache.TryGetValue(id.Value, out var cached)) return cached;
        var decoded = BtfTypeDecoder.Decode(this, local, id.Value);
        lock (_cache)
        {
            if (_cache.TryGetValue(id.Value, out var raced)) return raced;
            _cache[id.Value] = decoded;
        }
        return decoded;
    }

    public BtfKind KindOf(BtfTypeId id)
    {
        if (id.Value == 0) return BtfKind.Unknown;
        if (id.Value < FirstTypeId) return Base!.KindOf(id);
        var local = Local(id);
        return (BtfKind)((Endian.U32(TypeBytes[(_offsets[local] + 4)..]) >> 24) & 0x1f);
    }

    public string NameOf(BtfTypeId id)
    {
        if (id.Value == 0) return string.Empty;
        if (id.Value < FirstTypeId) return Base!.NameOf(id);
        var local = Local(id);
        var nameOff = Endian.U32(TypeBytes[_offsets[local]..]);
        return Strings.TryGet(nameOff, out var s) ? Encoding.UTF8.GetString(s) : string.Empty;
    }

    /// <summary>The string at <paramref name="offset"/> of the (split) string table; throws BpfFormatException when out of range.</summary>
    public string GetString(uint offset)
    {
        if (!Strings.TryGet(offset, out var s))
            throw new BpfFormatException($"string offset {offset} outside the string section (ends at {Strings.End})", null, Section);
        return Encoding.UTF8.GetString(s);
    }

    internal bool TryGetString(uint offset, out string value)
    {
        if (Strings.TryGet(offset, out var s))
        {
            value = Encoding.UTF8.GetString(s);
            return true;
        }
        value = string.Empty;
        return false;
    }

    /// <summary>All types with this name, in this blob only (<paramref name="includeBase"/> adds the base's), ascending ids.</summary>
    public IReadOnlyList<BtfTypeId> FindByName(string name, bool includeBase = false)
    {
        var result = new List<BtfTypeId>();
        if (includeBase && Base is not null) result.AddRange(Base.FindByName(name, true));
        if (name.Length == 0) return result;
        var ownStart = result.Count;
        Span<byte> buffer = name.Length <= 128 ? stackalloc byte[Encoding.UTF8.GetMaxByteCount(name.Length)] : new byte[Encoding.UTF8.GetMaxByteCount(name.Length)];
        var utf8 = buffer[..Encoding.UTF8.GetBytes(name, buffer)];
        var candidates = new List<int>(4);
        _names.Candidates(BtfNameIndex.Hash(utf8), candidates);
        foreach (var local in candidates)
            if (NameEquals(local, utf8)) result.Add(new BtfTypeId(FirstTypeId + (uint)local));
        result.Sort(ownStart, result.Count - ownStart, null);
        return result;
    }

    /// <summary>The FUNC with this name in this blob only (lowest id when several), or null.</summary>
    public BtfTypeId? FindFunc(string name) => FindFirstOfKind(name, BtfKind.Func);

    /// <summary>The type of this kind with this name in this blob only (lowest id), or null.</summary>
    public BtfTypeId? FindFirstOfKind(string name, BtfKind kind)
    {
        BtfTypeId? best = null;
        foreach (var id in FindByName(name))
            if (KindOf(id) == kind && (best is null || id.Value < best.Value.Value)) best = id;
        return best;
    }

    /// <summary>DECL_TAGs with component index -1 attached to <paramref name="id"/> (their names, e.g. "bpf_kfunc"), in id order.</summary>
    public IReadOnlyList<string> DeclTagsOf(BtfTypeId id)
    {
        var result = new List<string>();
        if (Base is not null && id.Value < FirstTypeId) result.AddRange(Base.DeclTagsOf(id));
        foreach (var local in _declTags)
        {
            var (target, component) = DeclTagTarget(local);
            if (target == id.Value && component == -1) result.Add(NameOf(new BtfTypeId(FirstTypeId + (uint)local)));
        }
        return result;
    }

    /// <summary>Whether any DECL_TAG with this name exists in this blob (e.g. "bpf_kfunc").</summary>
    public bool HasDeclTag(string tagName)
    {
        foreach (var id in FindByName(tagName))
            if (KindOf(id) == BtfKind.DeclTag) return true;
        return false;
    }

    /// <summary>FUNC ids of this blob tagged with <paramref name="tagName"/> (component -1), ascending, distinct.</summary>
    public IReadOnlyList<BtfTypeId> FuncsWithDeclTag(string tagName)
    {
        var set = new SortedSet<uint>();
        foreach (var id in FindByName(tagName))
        {
            if (KindOf(id) != BtfKind.DeclTag) continue;
            var (target, component) = DeclTagTarget((int)(id.Value - FirstTypeId));
            if (component != -1 || target < FirstTypeId || target > LastTypeId) continue;
            if (KindOf(new BtfTypeId(target)) == BtfKind.Func) set.Add(target);
        }
        var result = new List<BtfTypeId>(set.Count);
        foreach (var t in set) result.Add(new BtfTypeId(t));
        return result;
    }

    /// <summary>Every FUNC id of this blob, ascending.</summary>
    public IReadOnlyList<BtfTypeId> Funcs()
    {
        var result = new List<BtfTypeId>();
        var types = TypeBytes;
        for (var i = 0; i < _count; i++)
            if (((Endian.U32(types[(_offsets[i] + 4)..]) >> 24) & 0x1f) == (uint)BtfKind.Func)
                result.Add(new BtfTypeId(FirstTypeId + (uint)i));
        return result;
    }

    /// <summary>How many types of each kind this blob defines.</summary>
    public IReadOnlyDictionary<BtfKind, int> KindCounts()
    {
        var counts = new Dictionary<BtfKind, int>();
        var types = TypeBytes;
        for (var i = 0; i < _count; i++)
        {
            var kind = (BtfKind)((Endian.U32(types[(_offsets[i] + 4)..]) >> 24) & 0x1f);
            counts[kind] = counts.TryGetValue(kind, out var c) ? c + 1 : 1;
        }
        return counts;
    }

    /// <summary>Decodes every type of this blob once (without caching) so that any malformed record throws now; each type is charged to <paramref name="budget"/>.</summary>
    public void Validate(AnalysisBudget? budget = null)
    {
        for (var i = 0; i < _count; i++)
        {
            if (budget is not null && !budget.TryCharge(1)) throw budget.Exceeded($"BTF {Section}: validating {_count} types");
            BtfTypeDecoder.Decode(this, i, FirstTypeId + (uint)i);
        }
    }

    private int Local(BtfTypeId id)
    {
        if (id.Value > LastTypeId || id.Value < FirstTypeId)
            throw new BpfFormatException($"type id {id.Value} out of range (this BTF has ids {FirstTypeId}..{LastTypeId})", null, Section, id.Value);
        return (int)(id.Value - FirstTypeId);
    }

    private (uint Target, int Component) DeclTagTarget(int local)
    {
        var t = TypeBytes[_offsets[local]..];
        return (Endian.U32(t[8..]), Endian.I32(t[12..]));
    }

    private bool NameEquals(int local, ReadOnlySpan<byte> utf8)
    {
        var nameOff = Endian.U32(TypeBytes[_offsets[local]..]);
        return Strings.TryGet(nameOff, out var s) && s.SequenceEqual(utf8);
    }

    public override string ToString() => $"BTF {Section}: ids {FirstTypeId}..{LastTypeId}{(Base is null ? "" : " (split)")}, {(Endian.IsBig ? "big" : "little")}-endian";
}
