using CompatService.Engine.Btf;
using CompatService.Engine.Kernels;
using CompatService.Engine.Object;

namespace CompatService.Engine.Preparation;

/// <summary>A func-pointer member of a struct_ops map: the program whose fd goes at <see cref="Offset"/> of the kernel value.</summary>
public sealed record StructOpsFuncSlot(string Member, string Program, int Offset);

/// <summary>
/// One struct_ops map as the kernel wants it (libbpf <c>bpf_map__init_kern_struct_ops</c>): the map is created with
/// <c>btf_vmlinux_value_type_id</c> = <see cref="ValueTypeId"/> (<c>struct bpf_struct_ops_&lt;type&gt;</c>, in
/// <see cref="Module"/>'s BTF when not null), value size = the wrapper's size; <see cref="Value"/> holds the data members
/// copied to their kernel offsets, the func pointers are filled with program fds at <see cref="Funcs"/> before the update.
/// </summary>
public sealed record StructOpsMapLayout(string Name, string SectionName, string TypeName, bool Link, uint KernelTypeId,
    uint ValueTypeId, string? Module, byte[] Value, IReadOnlyList<StructOpsFuncSlot> Funcs);

/// <summary>What happened to one struct_ops map after its programs loaded after its programs loaded (its registration is not a program outcome; the loader fills it).</summary>
public sealed record StructOpsRegistration(string Map, bool Accepted, string Message)
{
    /// <summary>The update was issued (false: a program it needs was not loaded in this run, so the map was left empty).</summary>
    public bool Attempted { get; init; } = true;
}

/// <summary>How a struct_ops program is loaded: attach_btf_id = the kernel struct, expected_attach_type = the member index.</summary>
public sealed record StructOpsProgramTarget(uint BtfId, uint MemberIndex, string? Module);

/// <summary>
/// The struct_ops maps of an object laid out against a kernel's BTF, and the attach target of every struct_ops program
/// they reference. <see cref="Error"/> is libbpf's object-level failure (bpf_object__load fails before any program
/// loads); a struct_ops program no map references gets <see cref="UnreferencedMessage"/> (libbpf: EINVAL at its load).
/// </summary>
public sealed class StructOpsLayout
{
    public const uint ProgTypeStructOps = 27;
    private const string Prefix = "bpf_struct_ops_";

    public IReadOnlyList<StructOpsMapLayout> Maps { get; private init; } = [];
    public IReadOnlyDictionary<string, StructOpsProgramTarget> Programs { get; private init; } = new Dictionary<string, StructOpsProgramTarget>();
    public string? Error { get; private init; }
    /// <summary>The failure belongs to the kernel's BTF lacking the struct_ops type (not to a member mismatch).</summary>
    public bool TypeMissing { get; private init; }

    public static string UnreferencedMessage(string program) =>
        $"prog '{program}': SEC(\"struct_ops\") program isn't referenced anywhere, did you forget to use it?";

    public static StructOpsLayout Build(BpfObject obj, KernelBtfSet kernel)
    {
        var (locals, openError) = StructOpsLocal.Collect(obj);
        if (openError is not null) return new StructOpsLayout { Error = openError };
        var maps = new List<StructOpsMapLayout>();
        var programs = new Dictionary<string, StructOpsProgramTarget>();
        foreach (var local in locals)
        {
            var (layout, error, typeMissing) = Lay(obj.Btf!, local, kernel, programs);
            if (error is not null) return new StructOpsLayout { Error = error, TypeMissing = typeMissing };
            maps.Add(layout!);
        }
        return new StructOpsLayout { Maps = maps, Programs = programs };
    }

    private static (BtfSpec Btf, BtfTypeId ValueId, string? Module)? FindWrapper(KernelBtfSet kernel, string name)
    {
        if (kernel.Vmlinux.FindFirstOfKind(name, BtfKind.Struct) is { } id) return (kernel.Vmlinux, id, null);
        foreach (var m in kernel.Modules)
            if (m.Spec.FindFirstOfKind(name, BtfKind.Struct) is { } mid) return (m.Spec, mid, m.Name);
        return null;
    }

    private static (StructOpsMapLayout? Layout, string? Error, bool TypeMissing) Lay(BtfSpec btf, StructOpsLocal local,
        KernelBtfSet kernel, Dictionary<string, StructOpsProgramTarget> programs)
    {
        var tname = BtfWalk.EssentialName(local.Type.Name);
        if (FindWrapper(kernel, Prefix + tname) is not { } wrapper)
            return (null, $"struct_ops init_kern: struct {Prefix}{tname} is not found in kernel BTF", true);
        var kbtf = wrapper.Btf;
        var kernTypeId = kbtf.FindByName(tname, includeBase: true).Where(id => kbtf.KindOf(id) == BtfKind.Struct).Cast<BtfTypeId?>().FirstOrDefault();
        if (kernTypeId is null || kbtf.GetType(kernTypeId.Value) is not BtfComposite kernType)
            return (null, $"struct_ops init_kern: struct {tname} is not found in kernel BTF", true);
        var vtype = (BtfComposite)kbtf.GetType(wrapper.ValueId);
        var dataMember = vtype.Members.Where(m => m.Type == kernTypeId.Value).Cast<BtfMember?>().FirstOrDefault();
        if (dataMember is null)
            return (null, $"struct_ops init_kern: struct {tname} data is not found in struct {Prefix}{tname}", true);
        var dataOff = (int)(dataMember.Value.BitOffset / 8);
        var value = new byte[vtype.Size];
        var funcs = new List<StructOpsFuncSlot>();
        var members = local.Type.Members;
        for (var i = 0; i < members.Count; i++)
        {
            var error = LayMember(btf, local, i, kbtf, kernType, kernTypeId.Value, wrapper.Module, dataOff, value, funcs, programs);
            if (error is not null) return (null, $"struct_ops init_kern {local.Name}: {error}", false);
        }
        return (new StructOpsMapLayout(local.Name, local.SectionName, local.Type.Name, local.Link, kernTypeId.Value.Value,
            wrapper.ValueId.Value, wrapper.Module, value, funcs), null, false);
    }

    private static string? LayMember(BtfSpec btf, StructOpsLocal local, int i, BtfSpec kbtf, BtfComposite kernType, BtfTypeId kernTypeId,
        string? module, int dataOff, byte[] value, List<StructOpsFuncSlot> funcs, Dictionary<string, StructOpsProgramTarget> programs)
    {
        var member = local.Type.Members[i];
        var moff = (int)(member.BitOffset / 8);
        if (BtfWalk.SizeOf(btf, member.Type) is not { } msize) return $"failed to resolve the size of member {member.Name}";
        if ((ulong)moff + msize > (ulong)local.Data.Length) return $"member {member.Name} lies beyond struct {local.Type.Name}";
        var program = local.Programs[i];
        var kernIndex = -1;
        for (var k = 0; k < kernType.Members.Count && kernIndex < 0; k++)
            if (kernType.Members[k].Name == member.Name) kernIndex = k;
        if (kernIndex < 0)
        {
            var zero = program is null && !local.Data.AsSpan(moff, (int)msize).ContainsAnyExcept((byte)0);
            return zero ? null : $"Cannot find member {member.Name} in kernel BTF";
        }
        var kernMember = kernType.Members[kernIndex];
        if (member.BitfieldSize != 0 || kernMember.BitfieldSize != 0) return $"bitfield {member.Name} is not supported";
        var mtype = btf.GetType(BtfWalk.SkipModsAndTypedefs(btf, member.Type));
        var kernMtypeId = BtfWalk.SkipModsAndTypedefs(kbtf, kernMember.Type);
        var kernMtype = kbtf.GetType(kernMtypeId);
        if (mtype.Kind != kernMtype.Kind)
            return $"Unmatched member type {member.Name} {(int)mtype.Kind} != {(int)kernMtype.Kind}(kernel)";
        var kernOff = dataOff + (int)(kernMember.BitOffset / 8);
        if ((ulong)kernOff + (mtype is BtfPtr ? 8UL : msize) > (ulong)value.Length)
            return $"kernel member {member.Name} lies beyond struct bpf_struct_ops_{kernType.Name}";
        if (mtype is BtfPtr)
        {
            if (program is null) return null;
            if (kbtf.GetType(BtfWalk.SkipModsAndTypedefs(kbtf, ((BtfPtr)kernMtype).Target)) is not BtfFuncProto)
                return $"kernel member {member.Name} is not a func ptr";
            var target = new StructOpsProgramTarget(kernTypeId.Value, (uint)kernIndex, module);
            if (programs.TryGetValue(program, out var earlier) && earlier != target)
                return $"func ptr {member.Name}: invalid reuse of prog {program}: attach_btf_id {earlier.BtfId} / member {earlier.MemberIndex} != {target.BtfId} / {target.MemberIndex}";
            programs[program] = target;
            funcs.Add(new StructOpsFuncSlot(member.Name, program, kernOff));
            return null;
        }
        var kernSize = BtfWalk.SizeOf(kbtf, kernMtypeId);
        if (kernSize != msize) return $"Error in size of member {member.Name}: {msize} != {kernSize?.ToString() ?? "?"}(kernel)";
        local.Data.AsSpan(moff, (int)msize).CopyTo(value.AsSpan(kernOff));
        return null;
    }
}
