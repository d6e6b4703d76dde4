namespace CompatService.Engine.Kernels;

// CONTRACT STUB — replaced by the BTF helper's kernel-input reader.
public static class KernelBtfReader
{
    public static KernelBtfSet Open(ReadOnlyMemory<byte> vmlinux, IEnumerable<KeyValuePair<string, ReadOnlyMemory<byte>>>? modules,
        string? release, IReadOnlyDictionary<string, uint>? kfuncFlags) => throw new NotImplementedException();
}
