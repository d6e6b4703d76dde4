using CompatService.Engine.Btf;
using CompatService.Engine.Object;

namespace CompatService.Engine.Preparation;

/// <summary>
/// A struct_ops map as the object declares it (libbpf <c>init_struct_ops_maps</c> + <c>bpf_object__collect_st_ops_relos</c>):
/// the variable of `.struct_ops` / `.struct_ops.link`, its struct type, its bytes and, per member index, the struct_ops
/// program the section's relocation puts there.
/// </summary>
internal sealed record StructOpsLocal(string Name, string SectionName, bool Link, BtfComposite Type, byte[] Data, string?[] Programs)
{
    public static (IReadOnlyList<StructOpsLocal> Maps, string? Error) Collect(BpfObject obj)
    {
        var result = new List<StructOpsLocal>();
        var sections = obj.Elf.Sections.Where(s => s.Name is ".struct_ops" or ".struct_ops.link").ToList();
        if (sections.Count == 0) return (result, null);
        if (obj.Btf is not { } btf) return (result, "struct_ops section without BTF");
        foreach (var section in sections)
        {
            if (btf.FindFirstOfKind(section.Name, BtfKind.Datasec) is not { } dsId || btf.GetType(dsId) is not BtfDatasec ds)
                return (result, $"struct_ops init: DATASEC {section.Name} not found");
            var own = new List<(StructOpsLocal Map, uint Offset)>();
            foreach (var vsi in ds.Vars)
            {
                if (btf.GetType(vsi.Type) is not BtfVar v) return (result, $"struct_ops init: Cannot resolve var type_id {vsi.Type} in DATASEC {section.Name}");
                if (btf.GetType(BtfWalk.SkipModsAndTypedefs(btf, v.Type)) is not BtfComposite { IsUnion: false } type)
                    return (result, $"struct_ops init: {v.Name} is not a struct");
                if (type.Name.Length == 0) return (result, "struct_ops init: anonymous type is not supported");
                if ((ulong)vsi.Offset + type.Size > (ulong)section.Data.Length)
                    return (result, $"struct_ops init: var {v.Name} is beyond the end of DATASEC {section.Name}");
                var map = new StructOpsLocal(v.Name, section.Name, section.Name == ".struct_ops.link", type,
                    section.Data.Slice((int)vsi.Offset, (int)type.Size).ToArray(), new string?[type.Members.Count]);
                own.Add((map, vsi.Offset));
                result.Add(map);
            }
            if (CollectRelocations(obj, section.Index, own) is { } relError) return (result, relError);
        }
        return (result, null);
    }

    private static string? CollectRelocations(BpfObject obj, int sectionIndex, List<(StructOpsLocal Map, uint Offset)> maps)
    {
        foreach (var rel in obj.Elf.Relocations.Where(r => r.TargetSectionIndex == sectionIndex))
        {
            foreach (var e in rel.Entries)
            {
                if (e.SymbolIndex < 0 || e.SymbolIndex >= obj.Elf.Symbols.Count) return $"struct_ops reloc: symbol {e.SymbolIndex:x} not found";
                var sym = obj.Elf.Symbols[e.SymbolIndex];
                var owner = maps.FirstOrDefault(m => e.Offset >= m.Offset && e.Offset < (ulong)m.Offset + m.Map.Type.Size);
                if (owner.Map is null) return $"struct_ops reloc: cannot find map at rel->r_offset {e.Offset}";
                var moff = (uint)(e.Offset - owner.Offset);
                var members = owner.Map.Type.Members;
                var index = -1;
                for (var i = 0; i < members.Count && index < 0; i++)
                    if (members[i].BitOffset == moff * 8) index = i;
                if (index < 0) return $"struct_ops reloc {owner.Map.Name}: cannot find member at moff {moff}";
                var program = obj.Programs.FirstOrDefault(p => p.SectionIndex == sym.SectionIndex && p.SectionOffset == sym.Value);
                if (program is null)
                    return $"struct_ops reloc {owner.Map.Name}: cannot find prog at shdr_idx {sym.SectionIndex} to relocate func ptr {members[index].Name}";
                if (program.SectionInfo.ProgramTypeId != StructOpsLayout.ProgTypeStructOps)
                    return $"struct_ops reloc {owner.Map.Name}: prog {program.Name} is not struct_ops BPF program";
                owner.Map.Programs[index] = program.Name;
            }
        }
        return null;
    }
}
