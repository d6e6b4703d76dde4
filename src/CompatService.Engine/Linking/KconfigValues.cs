using System.Globalization;
using System.Text;
using CompatService.Engine.Binary;
using CompatService.Engine.Btf;
using CompatService.Engine.Object;

namespace CompatService.Engine.Linking;

/// <summary>
/// The .kconfig map value as libbpf fills it (<c>bpf_object__read_kconfig_file</c>, <c>set_kcfg_value_*</c>), in the
/// object's byte order; <see cref="Known"/> marks the bytes whose value is known (an extern whose input is missing —
/// no config, no release — leaves its bytes unknown for the engine; the loader treats it as absent).
/// </summary>
public sealed record KconfigImage(byte[] Value, bool[] Known, IReadOnlyList<string> Errors);

/// <summary>
/// Fills the .kconfig map value the way libbpf does: CONFIG_* externs from the kernel config (y/n/m as bool, char or
/// enum libbpf_tristate; numbers; strings into char arrays), LINUX_KERNEL_VERSION, LINUX_HAS_BPF_COOKIE,
/// LINUX_HAS_SYSCALL_WRAPPER; weak ones the config lacks stay 0, strong ones are an error.
/// </summary>
public static class KconfigValues
{
    /// <summary>The loader's view on the host: every value is decided (a missing config means "not set").</summary>
    /// <param name="syscallWrapper">LINUX_HAS_SYSCALL_WRAPPER as libbpf's probe would set it on this kernel
    /// (<see cref="SyscallWrapperProbe"/>); "y" when the host's facts cannot tell.</param>
    public static (byte[] Value, IReadOnlyList<string> Errors) Build(BpfObject obj, IReadOnlyDictionary<string, string>? config, uint kernelVersionCode,
        string syscallWrapper = "y")
    {
        var specials = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["LINUX_KERNEL_VERSION"] = kernelVersionCode.ToString(CultureInfo.InvariantCulture),
            ["LINUX_HAS_BPF_COOKIE"] = "y",
            [SyscallWrapperProbe.Name] = syscallWrapper,
        };
        var image = Image(obj, config ?? new Dictionary<string, string>(), specials);
        return (image.Value, image.Errors);
    }

    /// <summary>
    /// The engine's view for a kernel: <paramref name="config"/> null = CONFIG_* values unknown; a special name missing
    /// from <paramref name="specials"/> = unknown (e.g. LINUX_KERNEL_VERSION when the release is not known).
    /// </summary>
    public static KconfigImage Image(BpfObject obj, IReadOnlyDictionary<string, string>? config, IReadOnlyDictionary<string, string> specials)
    {
        var kconfig = obj.Externs.Where(e => e.Kind == ExternKind.Kconfig).ToList();
        var size = kconfig.Count == 0 ? 0 : kconfig.Max(e => (long)e.KconfigOffset + e.KconfigSize);
        if (size > Object.ExternCollector.MaxKconfigBytes) // the object already fails to open (E2BIG); nothing is known
            return new KconfigImage([], [], ["the .kconfig area is larger than the kernel accepts"]);
        var value = new byte[size];
        var known = new bool[size];
        var errors = new List<string>();
        foreach (var e in kconfig)
        {
            var slot = value.AsSpan((int)e.KconfigOffset, (int)e.KconfigSize);
            var isSpecial = e.EssentialName.StartsWith("LINUX_", StringComparison.Ordinal);
            string? raw;
            if (isSpecial) { if (!specials.TryGetValue(e.EssentialName, out raw)) continue; }
            else if (config is null) continue;
            else raw = config.TryGetValue(e.EssentialName, out var v) ? v : null;
            if (raw is null)
            {
                if (!e.IsWeak) errors.Add($"extern (kcfg) '{e.Name}': value not found in the kernel config");
                known.AsSpan((int)e.KconfigOffset, (int)e.KconfigSize).Fill(true);
                continue;
            }
            if (Set(obj.Btf, obj.Endian, e, raw, slot) is { } err) errors.Add(err);
            else known.AsSpan((int)e.KconfigOffset, (int)e.KconfigSize).Fill(true);
        }
        return new KconfigImage(value, known, errors);
    }

    private enum KcfgType { Bool, Char, Tristate, Int, CharArray, Unknown }

    private static string? Set(BtfSpec? btf, Endian endian, BpfExtern e, string raw, Span<byte> slot)
    {
        var type = Classify(btf, e);
        if (raw is "y" or "n" or "m")
        {
            byte v = raw switch { "y" => 1, "m" => 2, _ => 0 };
            switch (type)
            {
                case KcfgType.Bool when raw != "m": slot[0] = v; return null;
                case KcfgType.Tristate when slot.Length == 4: endian.WriteU32(slot, v); return null;
                case KcfgType.Char: slot[0] = (byte)raw[0]; return null;
                default: return $"extern (kcfg) '{e.Name}': value '{raw}' does not fit its type";
            }
        }
        if (raw.Length >= 2 && raw[0] == '"')
        {
            if (type != KcfgType.CharArray) return $"extern (kcfg) '{e.Name}': string value for a non-array";
            var s = Encoding.UTF8.GetBytes(raw[1..^1]);
            var n = Math.Min(s.Length, slot.Length - 1);
            s.AsSpan(0, n).CopyTo(slot);
            return null;
        }
        if (type is not (KcfgType.Int or KcfgType.Char or KcfgType.Unknown)) return $"extern (kcfg) '{e.Name}': numeric value for a non-integer";
        ulong num;
        if (raw.StartsWith("0x", StringComparison.OrdinalIgnoreCase)) { if (!ulong.TryParse(raw[2..], NumberStyles.HexNumber, CultureInfo.InvariantCulture, out num)) return Bad(e, raw); }
        else if (long.TryParse(raw, NumberStyles.Integer, CultureInfo.InvariantCulture, out var sn)) num = (ulong)sn;
        else return Bad(e, raw);
        switch (slot.Length)
        {
            case 1: slot[0] = (byte)num; break;
            case 2: endian.WriteU16(slot, (ushort)num); break;
            case 4: endian.WriteU32(slot, (uint)num); break;
            case 8: endian.WriteU64(slot, num); break;
            default: return $"extern (kcfg) '{e.Name}': unsupported size {slot.Length}";
        }
        return null;
    }

    private static string Bad(BpfExtern e, string raw) => $"extern (kcfg) '{e.Name}': cannot parse value '{raw}'";

    private static KcfgType Classify(BtfSpec? btf, BpfExtern e)
    {
        if (btf is null) return e.KconfigSize == 1 ? KcfgType.Bool : KcfgType.Int;
        var t = btf.GetType(BtfWalk.SkipModsAndTypedefs(btf, e.TypeId));
        return t switch
        {
            BtfInt i when i.Size == 1 && (i.Encoding & 4) != 0 => KcfgType.Bool,
            BtfInt i when i.Size == 1 && ((i.Encoding & 2) != 0 || i.Name.Contains("char", StringComparison.Ordinal)) => KcfgType.Char,
            BtfInt => KcfgType.Int,
            BtfEnum en when en.Name == "libbpf_tristate" => KcfgType.Tristate,
            BtfEnum => KcfgType.Int,
            BtfArray a when btf.GetType(BtfWalk.SkipModsAndTypedefs(btf, a.ElementType)) is BtfInt { Size: 1 } => KcfgType.CharArray,
            _ => KcfgType.Unknown,
        };
    }

    /// <summary>KERNEL_VERSION(a, b, c) from a release string like "6.18.44-fc" (c capped at 255, as the kernel does).</summary>
    public static uint VersionCode(string? release)
    {
        if (release is null) return 0;
        var parts = release.Split('.', '-', '+', '_');
        uint P(int i) => i < parts.Length && uint.TryParse(new string(parts[i].TakeWhile(char.IsAsciiDigit).ToArray()), out var v) ? v : 0;
        return (P(0) << 16) | (P(1) << 8) | Math.Min(P(2), 255);
    }
}
