namespace CompatService.Engine.Elf;

/// <summary>One symbol-table entry.</summary>
public sealed record ElfSymbol(int Index, string Name, ulong Value, ulong Size, byte Binding, byte Type, byte Visibility, int SectionIndex)
{
    public bool IsUndefined => SectionIndex == ElfConstants.ShnUndef;
    public bool IsGlobal => Binding == ElfConstants.StbGlobal;
    public bool IsWeak => Binding == ElfConstants.StbWeak;
    public bool IsLocal => Binding == ElfConstants.StbLocal;

    public string BindingName => Binding switch
    {
        ElfConstants.StbLocal => "LOCAL",
        ElfConstants.StbGlobal => "GLOBAL",
        ElfConstants.StbWeak => "WEAK",
        _ => $"BIND{Binding}",
    };

    public string TypeName => Type switch
    {
        ElfConstants.SttNotype => "NOTYPE",
        ElfConstants.SttObject => "OBJECT",
        ElfConstants.SttFunc => "FUNC",
        ElfConstants.SttSection => "SECTION",
        ElfConstants.SttFile => "FILE",
        _ => $"TYPE{Type}",
    };
}
