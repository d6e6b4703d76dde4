namespace CompatService.Api.Ingest;

/// <summary>KF_* flag bits (include/linux/btf.h) → names, for display.</summary>
public static class KfuncFlagNames
{
    private static readonly (uint Bit, string Name)[] Bits =
    [
        (1u << 0, "KF_ACQUIRE"), (1u << 1, "KF_RELEASE"), (1u << 2, "KF_RET_NULL"), (1u << 3, "KF_KPTR_GET"),
        (1u << 4, "KF_TRUSTED_ARGS"), (1u << 5, "KF_SLEEPABLE"), (1u << 6, "KF_DESTRUCTIVE"), (1u << 7, "KF_RCU"),
        (1u << 8, "KF_ITER_NEW"), (1u << 9, "KF_ITER_NEXT"), (1u << 10, "KF_ITER_DESTROY"), (1u << 11, "KF_RCU_PROTECTED"),
        (1u << 12, "KF_FASTCALL"), (1u << 13, "KF_ARENA_RET"), (1u << 14, "KF_ARENA_ARG1"), (1u << 15, "KF_ARENA_ARG2"),
    ];

    public static IReadOnlyList<string> Of(uint? flags)
    {
        if (flags is not { } f || f == 0) return [];
        var names = new List<string>();
        foreach (var (bit, name) in Bits)
            if ((f & bit) != 0) names.Add(name);
        var unknown = f & ~Bits.Aggregate(0u, (a, b) => a | b.Bit);
        if (unknown != 0) names.Add($"0x{unknown:x}");
        return names;
    }
}
