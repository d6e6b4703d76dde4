namespace CompatService.Engine.Kernels;

/// <summary>
/// KF_* kfunc flags as stored in a BTF_SET8 pair (include/linux/btf.h). Bit values have been stable since
/// they were introduced; some bits were retired: KF_KPTR_GET (bit 3) existed in 6.0–6.3, KF_TRUSTED_ARGS
/// (bit 4) until trusted arguments became the default in 7.0 (the corpus 7.2 kernels never set bits 3–4).
/// </summary>
[Flags]
public enum KfFlags : uint
{
    None = 0,
    Acquire = 1u << 0,        // 6.0
    Release = 1u << 1,        // 6.0
    RetNull = 1u << 2,        // 6.0
    KptrGet = 1u << 3,        // 6.0 – 6.3
    TrustedArgs = 1u << 4,    // 6.0 – 6.x (default from 7.0)
    Sleepable = 1u << 5,      // 6.0
    Destructive = 1u << 6,    // 6.0
    Rcu = 1u << 7,            // 6.2
    IterNew = 1u << 8,        // 6.4
    IterNext = 1u << 9,       // 6.4
    IterDestroy = 1u << 10,   // 6.4
    RcuProtected = 1u << 11,  // 6.7
    Fastcall = 1u << 12,      // 6.13
    ArenaRet = 1u << 13,      // 6.14
    ArenaArg1 = 1u << 14,     // 6.14
    ArenaArg2 = 1u << 15,     // 6.14
    ImplicitArgs = 1u << 16,  // 7.x
}

/// <summary>Names for KF_* bits as the kernel spells them.</summary>
public static class KfFlagNames
{
    private static readonly string[] BitNames =
    [
        "KF_ACQUIRE", "KF_RELEASE", "KF_RET_NULL", "KF_KPTR_GET", "KF_TRUSTED_ARGS", "KF_SLEEPABLE",
        "KF_DESTRUCTIVE", "KF_RCU", "KF_ITER_NEW", "KF_ITER_NEXT", "KF_ITER_DESTROY", "KF_RCU_PROTECTED",
        "KF_FASTCALL", "KF_ARENA_RET", "KF_ARENA_ARG1", "KF_ARENA_ARG2", "KF_IMPLICIT_ARGS",
    ];

    /// <summary>Every bit the scanner accepts in a pair's flags (known bits plus head-room for newer kernels).</summary>
    public const uint PlausibleMask = 0x00FF_FFFF;

    /// <summary>The kernel names of the set bits, lowest first; unknown bits as <c>BIT(n)</c>.</summary>
    public static IReadOnlyList<string> Of(uint flags)
    {
        var names = new List<string>();
        for (var bit = 0; bit < 32; bit++)
        {
            if ((flags & (1u << bit)) == 0) continue;
            names.Add(bit < BitNames.Length ? BitNames[bit] : $"BIT({bit})");
        }
        return names;
    }

    /// <summary>"KF_ACQUIRE|KF_RET_NULL", or "0" when no bit is set.</summary>
    public static string Format(uint flags) => flags == 0 ? "0" : string.Join('|', Of(flags));
}
