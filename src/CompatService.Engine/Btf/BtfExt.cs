using CompatService.Engine.Binary;

namespace CompatService.Engine.Btf;

// CONTRACT STUB — replaced by the BTF implementation. Public members below are the agreed API.

public readonly record struct BtfFuncInfo(uint InsnOffset, BtfTypeId TypeId);
public readonly record struct BtfLineInfo(uint InsnOffset, uint FileNameOffset, uint LineOffset, uint Line, uint Column);
public readonly record struct BtfCoreRelo(uint InsnOffset, BtfTypeId TypeId, string AccessString, uint Kind);

/// <summary>The .BTF.ext section: func_info, line_info and CO-RE relocations, keyed by section name. Offsets are in bytes.</summary>
public sealed class BtfExt
{
    private BtfExt() { }
    public static BtfExt Parse(ReadOnlyMemory<byte> raw, BtfSpec btf) => throw new NotImplementedException();
    public IReadOnlyDictionary<string, IReadOnlyList<BtfFuncInfo>> FuncInfos => throw new NotImplementedException();
    public IReadOnlyDictionary<string, IReadOnlyList<BtfLineInfo>> LineInfos => throw new NotImplementedException();
    public IReadOnlyDictionary<string, IReadOnlyList<BtfCoreRelo>> CoreRelos => throw new NotImplementedException();
    public uint FuncInfoRecordSize => throw new NotImplementedException();
    public uint LineInfoRecordSize => throw new NotImplementedException();
    /// <summary>Line text for a line_info record (from the BTF string table).</summary>
    public string LineText(BtfLineInfo info) => throw new NotImplementedException();
    internal static Endian Unused => default;
}
