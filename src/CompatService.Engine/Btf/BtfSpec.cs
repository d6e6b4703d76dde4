using CompatService.Engine.Binary;

namespace CompatService.Engine.Btf;

// CONTRACT STUB — replaced by the BTF implementation. Public members below are the agreed API.

/// <summary>
/// A parsed BTF blob (raw .BTF bytes), either byte order, optionally split on top of a base.
/// Types decode lazily on first access; names are indexed once.
/// </summary>
public sealed class BtfSpec
{
    private BtfSpec() { }

    /// <summary>Parses raw BTF. <paramref name="baseSpec"/> for split (module) BTF.</summary>
    public static BtfSpec Parse(ReadOnlyMemory<byte> raw, BtfSpec? baseSpec = null, string? sectionName = null) => throw new NotImplementedException();

    public Endian Endian => throw new NotImplementedException();
    public BtfSpec? Base => throw new NotImplementedException();
    /// <summary>First id defined by this blob (1 for a base blob; base's last + 1 for split BTF).</summary>
    public uint FirstTypeId => throw new NotImplementedException();
    /// <summary>Last id defined by this blob.</summary>
    public uint LastTypeId => throw new NotImplementedException();
    public ReadOnlyMemory<byte> RawBytes => throw new NotImplementedException();

    /// <summary>Resolves ids of this blob and of its base. Throws BpfFormatException for an id out of range.</summary>
    public BtfType GetType(BtfTypeId id) => throw new NotImplementedException();
    public BtfKind KindOf(BtfTypeId id) => throw new NotImplementedException();
    public string NameOf(BtfTypeId id) => throw new NotImplementedException();
    /// <summary>All types with this name, in this blob only (<paramref name="includeBase"/> adds the base's).</summary>
    public IReadOnlyList<BtfTypeId> FindByName(string name, bool includeBase = false) => throw new NotImplementedException();
    /// <summary>The FUNC with this name in this blob only, or null.</summary>
    public BtfTypeId? FindFunc(string name) => throw new NotImplementedException();
    /// <summary>DECL_TAGs with component index -1 attached to <paramref name="id"/> (their names, e.g. "bpf_kfunc").</summary>
    public IReadOnlyList<string> DeclTagsOf(BtfTypeId id) => throw new NotImplementedException();
    /// <summary>Whether any DECL_TAG with this name exists in this blob (e.g. "bpf_kfunc").</summary>
    public bool HasDeclTag(string tagName) => throw new NotImplementedException();
    /// <summary>FUNC ids of this blob tagged with <paramref name="tagName"/>, ascending.</summary>
    public IReadOnlyList<BtfTypeId> FuncsWithDeclTag(string tagName) => throw new NotImplementedException();
    /// <summary>Every FUNC id of this blob, ascending.</summary>
    public IReadOnlyList<BtfTypeId> Funcs() => throw new NotImplementedException();
}
