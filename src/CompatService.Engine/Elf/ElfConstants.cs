namespace CompatService.Engine.Elf;

/// <summary>ELF constants used by the engine (values from the System V gABI and the BPF psABI).</summary>
public static class ElfConstants
{
    public const ushort EtRel = 1, EtExec = 2, EtDyn = 3;
    public const ushort EmX86_64 = 62, EmAarch64 = 183, EmBpf = 247;

    public const uint ShtNull = 0, ShtProgbits = 1, ShtSymtab = 2, ShtStrtab = 3, ShtRela = 4,
        ShtNobits = 8, ShtRel = 9, ShtDynsym = 11, ShtSymtabShndx = 18, ShtLlvmAddrsig = 0x6fff4c03;

    public const ulong ShfWrite = 0x1, ShfAlloc = 0x2, ShfExecinstr = 0x4;

    public const ushort ShnUndef = 0, ShnLoreserve = 0xff00, ShnAbs = 0xfff1, ShnCommon = 0xfff2, ShnXindex = 0xffff;

    public const byte StbLocal = 0, StbGlobal = 1, StbWeak = 2;
    public const byte SttNotype = 0, SttObject = 1, SttFunc = 2, SttSection = 3, SttFile = 4;

    // BPF relocation types (llvm BPFELFObjectWriter / kernel docs bpf/llvm_reloc.rst)
    public const uint RBpfNone = 0, RBpf64_64 = 1, RBpf64Abs64 = 2, RBpf64Abs32 = 3, RBpf64Nodyld32 = 4, RBpf64_32 = 10;

    public static string RelocationName(uint type) => type switch
    {
        RBpfNone => "R_BPF_NONE",
        RBpf64_64 => "R_BPF_64_64",
        RBpf64Abs64 => "R_BPF_64_ABS64",
        RBpf64Abs32 => "R_BPF_64_ABS32",
        RBpf64Nodyld32 => "R_BPF_64_NODYLD32",
        RBpf64_32 => "R_BPF_64_32",
        _ => $"R_BPF_{type}",
    };
}
