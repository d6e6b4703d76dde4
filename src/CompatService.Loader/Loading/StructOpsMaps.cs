using System.Buffers.Binary;
using CompatService.Engine.Preparation;
using CompatService.Loader.Syscalls;

namespace CompatService.Loader.Loading;

/// <summary>
/// The struct_ops maps of an object (the layout is the engine's <see cref="StructOpsLayout"/>): created like libbpf's
/// bpf_object__create_map (BPF_MAP_TYPE_STRUCT_OPS, key 4 bytes, one entry, value = the kernel's
/// <c>bpf_struct_ops_&lt;type&gt;</c>, <c>btf_vmlinux_value_type_id</c>, the object's BTF fd, BPF_F_LINK for
/// `.struct_ops.link`, the module's BTF fd with BPF_F_VTYPE_BTF_OBJ_FD); a map creation failure fails the object. After the
/// programs, the value (data members, program fds in the func pointers) is written with one map update when every
/// program it references loaded — what libbpf does at attach time (bpf_map__attach_struct_ops). That checks the value
/// with the kernel's struct_ops code; a plain `.struct_ops` map is registered by it, so the loader, which never attaches,
/// unregisters it again at once (map delete). The update's result is reported beside the programs' outcomes: a program
/// loads when BPF_PROG_LOAD succeeds, as libbpf's bpf_object__load and bpftool report it.
/// </summary>
public sealed class StructOpsMaps(BpfApi bpf)
{
    private static readonly byte[] ZeroKey = new byte[4];

    public (Dictionary<string, BpfFd> Fds, string? Error, int? Errno) Create(StructOpsLayout layout, int btfFd,
        IReadOnlyDictionary<string, int> moduleBtfFds)
    {
        var fds = new Dictionary<string, BpfFd>(StringComparer.Ordinal);
        foreach (var map in layout.Maps)
        {
            var moduleFd = 0;
            if (map.Module is { } module && !moduleBtfFds.TryGetValue(module, out moduleFd))
                return Fail(fds, $"map '{map.Name}': struct_ops type {map.TypeName} is in module {module}, whose BTF fd is unknown", null);
            var flags = (map.Link ? BpfConst.FLink : 0) | (moduleFd != 0 ? BpfConst.FVtypeBtfObjFd : 0);
            try
            {
                fds[map.Name] = bpf.MapCreate(new MapCreateRequest
                {
                    Definition = new(BpfConst.MapTypeStructOps, 4, (uint)map.Value.Length, 1, flags),
                    Name = map.Name, Btf = new(btfFd, 0, 0, map.ValueTypeId), ValueTypeBtfObjFd = moduleFd,
                });
            }
            catch (BpfException e)
            {
                return Fail(fds, $"map '{map.Name}': failed to create: {e.Message}", e.Errno);
            }
        }
        return (fds, null, null);
    }

    private static (Dictionary<string, BpfFd>, string?, int?) Fail(Dictionary<string, BpfFd> fds, string message, int? errno)
    {
        foreach (var fd in fds.Values) fd.Dispose();
        fds.Clear();
        return (fds, message, errno);
    }

    /// <summary>Writes each map whose programs all loaded; maps with a program not loaded (not selected or refused) are left.</summary>
    public IReadOnlyList<StructOpsRegistration> Register(StructOpsLayout layout, IReadOnlyDictionary<string, BpfFd> fds,
        IReadOnlyList<ProgramLoadOutcome> outcomes)
    {
        var loaded = outcomes.Where(o => o.Fd is not null).ToDictionary(o => o.Program, o => o.Fd!, StringComparer.Ordinal);
        var result = new List<StructOpsRegistration>();
        foreach (var map in layout.Maps)
        {
            if (!fds.TryGetValue(map.Name, out var fd)) continue;
            var missing = map.Funcs.Where(f => !loaded.ContainsKey(f.Program)).Select(f => f.Program).Distinct().ToList();
            if (missing.Count > 0)
            {
                result.Add(new StructOpsRegistration(map.Name, false, $"struct_ops map '{map.Name}': not written (programs not loaded: {string.Join(", ", missing)})") { Attempted = false });
                continue;
            }
            var value = (byte[])map.Value.Clone();
            foreach (var f in map.Funcs) BinaryPrimitives.WriteUInt64LittleEndian(value.AsSpan(f.Offset), (ulong)loaded[f.Program].Value);
            result.Add(Update(map, fd, value));
        }
        return result;
    }

    private StructOpsRegistration Update(StructOpsMapLayout map, BpfFd fd, byte[] value)
    {
        try
        {
            bpf.MapUpdateElem(fd, ZeroKey, value);
        }
        catch (BpfException e)
        {
            return new StructOpsRegistration(map.Name, false, $"struct_ops map '{map.Name}': update refused by the kernel: {e.Message}");
        }
        if (map.Link) return new StructOpsRegistration(map.Name, true, $"struct_ops map '{map.Name}': value accepted (a link would attach it)");
        try
        {
            bpf.MapDeleteElem(fd, ZeroKey);
        }
        catch (BpfException e)
        {
            return new StructOpsRegistration(map.Name, true, $"struct_ops map '{map.Name}': registered, and unregistering failed: {e.Message}");
        }
        return new StructOpsRegistration(map.Name, true, $"struct_ops map '{map.Name}': registered by the update and unregistered again");
    }
}
