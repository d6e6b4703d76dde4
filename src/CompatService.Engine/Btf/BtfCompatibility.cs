namespace CompatService.Engine.Btf;

// CONTRACT STUB — replaced by the BTF helper's implementation of libbpf's __bpf_core_types_are_compat.
public static class BtfCompatibility
{
    public static bool AreCompatible(BtfSpec local, BtfTypeId localId, BtfSpec target, BtfTypeId targetId) => throw new NotImplementedException();
}
