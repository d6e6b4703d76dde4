using CompatService.Engine.Btf;
using CompatService.Engine.Kernels;
using CompatService.Engine.Object;

namespace CompatService.Engine.Preparation;

/// <summary>
/// struct_ops maps (`.struct_ops` / `.struct_ops.link` sections): libbpf fails the whole object at load when the
/// kernel lacks `struct bpf_struct_ops_&lt;type&gt;` ("struct_ops init_kern: ... is not found in kernel BTF"). The agent's
/// loader does not register struct_ops maps, so an object with them is refused either way, with the right reason.
/// </summary>
public static class StructOps
{
    public static string? Problem(BpfObject obj, KernelBtfSet kernel)
    {
        var sections = obj.Elf.Sections.Where(s => s.Name is ".struct_ops" or ".struct_ops.link").ToList();
        if (sections.Count == 0) return null;
        if (obj.Btf is null) return "struct_ops section without BTF";
        foreach (var section in sections)
        {
            var id = obj.Btf.FindFirstOfKind(section.Name, BtfKind.Datasec);
            if (id is null || obj.Btf.GetType(id.Value) is not BtfDatasec sec) continue;
            foreach (var v in sec.Vars)
            {
                if (obj.Btf.GetType(v.Type) is not BtfVar var) continue;
                var typeName = obj.Btf.NameOf(BtfWalk.SkipModsAndTypedefs(obj.Btf, var.Type));
                var kernelType = "bpf_struct_ops_" + typeName;
                if (kernel.Vmlinux.FindFirstOfKind(kernelType, BtfKind.Struct) is null)
                    return $"struct_ops init_kern: struct {kernelType} is not found in kernel BTF";
            }
        }
        return LoaderLimits.StructOpsMaps;
    }
}
