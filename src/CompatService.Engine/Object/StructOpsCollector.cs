using CompatService.Engine.Btf;
using CompatService.Engine.Elf;

namespace CompatService.Engine.Object;

/// <summary>A struct_ops map: the variable in `.struct_ops` / `.struct_ops.link` and the kernel struct it implements.</summary>
public sealed record StructOpsMap(string Name, string SectionName, string TypeName);

/// <summary>Finds struct_ops maps through the object's BTF DATASECs of the struct_ops sections.</summary>
internal static class StructOpsCollector
{
    public static IReadOnlyList<StructOpsMap> Collect(ElfFile elf, BtfSpec? btf)
    {
        var result = new List<StructOpsMap>();
        if (btf is null) return result;
        foreach (var section in elf.Sections)
        {
            if (section.Name is not (".struct_ops" or ".struct_ops.link")) continue;
            foreach (var id in btf.FindByName(section.Name))
            {
                if (btf.GetType(id) is not BtfDatasec datasec) continue;
                foreach (var v in datasec.Vars)
                {
                    if (btf.GetType(v.Type) is not BtfVar variable) continue;
                    var type = btf.GetType(BtfWalk.SkipModsAndTypedefs(btf, variable.Type));
                    if (type is BtfComposite { IsUnion: false } s && s.Name.Length > 0)
                        result.Add(new StructOpsMap(variable.Name, section.Name, s.Name));
                }
            }
        }
        return result;
    }
}
