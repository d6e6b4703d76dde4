using CompatService.Contracts;
using CompatService.Engine.Linking;
using EngineFixup = CompatService.Engine.Linking.Fixup;
using Fixup = CompatService.Contracts.Fixup;

namespace CompatService.Reporting;

/// <summary>Engine fixups (typed kinds, extern indices) → the wire <see cref="Fixup"/> (kind strings as `compat relocate` prints them).</summary>
public static class FixupMapping
{
    /// <summary>The wire name of a fixup kind; CO-RE fixups are "core-" + the relocation kind's kebab-case name.</summary>
    public static string KindName(EngineFixup f) => f.Kind switch
    {
        FixupKind.KfuncCall => FixupKinds.KfuncCall,
        FixupKind.PoisonCall => FixupKinds.PoisonCall,
        FixupKind.KfuncLdImm64 => FixupKinds.KfuncLdImm64,
        FixupKind.KsymLdImm64 => FixupKinds.KsymLdImm64,
        FixupKind.ZeroLdImm64 => FixupKinds.ZeroLdImm64,
        FixupKind.KconfigLdImm64 => FixupKinds.KconfigLdImm64,
        FixupKind.KsymAddressLdImm64 => FixupKinds.KsymAddressLdImm64,
        FixupKind.Core => "core-" + CoreReloKinds.Name(f.CoreKind ?? throw new InvalidOperationException("CO-RE fixup without a relocation kind")),
        _ => throw new ArgumentOutOfRangeException(nameof(f), f.Kind, "unknown fixup kind"),
    };

    public static Fixup ToContract(this EngineFixup f) =>
        new(f.Insn, KindName(f), f.Symbol, f.BtfId, f.Module, f.Imm, f.Src, f.Off) { ModuleSlot = f.ModuleSlot, Code = f.Code, ImmHi = f.ImmHi };

    public static IReadOnlyList<Fixup> ToContract(this IEnumerable<EngineFixup> fixups) => fixups.Select(ToContract).ToArray();

    public static RelocationResult ToContract(this ProgramRelocation r) =>
        new(r.Program, r.Fixups.ToContract(), r.Modules, r.InstructionsHex, r.Result.ToContract());
}
