namespace CompatService.Engine.Linking;

/// <summary>
/// CO-RE relocations as fixups: kind <see cref="FixupKind.Core"/> with the relocation kind, symbol = access path, code/imm/src/off of the rewritten
/// instruction (ImmHi: the second half of an ld_imm64). A poisoned relocation has code 0x85 and imm 0xbad2310; for an
/// ld_imm64 both halves become that call.
/// </summary>
public static class CoreFixups
{
    public static IEnumerable<Fixup> From(IEnumerable<CoreRelocation> relocations)
    {
        foreach (var c in relocations)
        {
            if (c.Patched is not { } insn) continue; // failed: nothing to apply, the verdict says why
            yield return new Fixup(c.Insn, FixupKind.Core, c.Path.Length > 0 ? c.Path : c.LocalType,
                c.TargetTypeId?.Value, c.Module, insn.Imm, insn.Src, insn.Offset)
            {
                CoreKind = c.Kind,
                Code = insn.OpCode,
                ImmHi = c.PatchedHigh?.Imm,
            };
        }
    }
}
