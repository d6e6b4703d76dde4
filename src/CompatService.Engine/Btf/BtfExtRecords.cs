namespace CompatService.Engine.Btf;

/// <summary>A func_info record: the FUNC describing the function that starts at <see cref="InsnOffset"/> (bytes).</summary>
public readonly record struct BtfFuncInfo(uint InsnOffset, BtfTypeId TypeId);

/// <summary>A line_info record; <see cref="Line"/> and <see cref="Column"/> are unpacked from line_col (line &lt;&lt; 10 | col).</summary>
public readonly record struct BtfLineInfo(uint InsnOffset, uint FileNameOffset, uint LineOffset, uint Line, uint Column);

/// <summary>A CO-RE relocation (struct bpf_core_relo); <see cref="Kind"/> is enum bpf_core_relo_kind.</summary>
public readonly record struct BtfCoreRelo(uint InsnOffset, BtfTypeId TypeId, string AccessString, uint Kind);
