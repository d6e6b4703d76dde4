namespace CompatService.Engine.Btf;

// CONTRACT STUB — replaced by the BTF helper's C-declaration formatter.
public static class BtfFormatter
{
    public static string FormatFunc(BtfSpec spec, BtfTypeId funcId) => spec.NameOf(funcId);
    public static string FormatType(BtfSpec spec, BtfTypeId id) => spec.NameOf(id);
}
