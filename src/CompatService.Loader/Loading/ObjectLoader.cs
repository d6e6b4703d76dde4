using CompatService.Engine;
using CompatService.Engine.Asm;
using CompatService.Engine.Binary;
using CompatService.Engine.Kernels;
using CompatService.Engine.Linking;
using CompatService.Engine.Object;
using CompatService.Engine.Preparation;
using CompatService.Loader.Syscalls;

namespace CompatService.Loader.Loading;

/// <summary>What the loader needs to know about the host kernel.</summary>
public sealed record LoadTarget
{
    public required KernelBtfSet Kernel { get; init; }
    public IReadOnlyDictionary<string, int> ModuleBtfFds { get; init; } = new Dictionary<string, int>();
    public Func<string, ulong?> Kallsyms { get; init; } = _ => null;
    public KernelBtfFeatures Features { get; init; } = KernelBtfFeatures.All;
    public uint KernelVersionCode { get; init; }
}

/// <summary>
/// Loads a parsed object into the kernel the way libbpf does, using the engine's fixups: the object's BTF (fixed up
/// and sanitised), its maps, then each selected program with func/line info, fd_array and attach target.
/// Programs are loaded, not attached.
/// </summary>
public sealed class ObjectLoader(BpfApi bpf)
{
    public LoadedObject Load(BpfObject obj, LoadTarget target, LoadOptions options)
    {
        var selected = obj.Programs.Where(p => options.Programs is { } set ? set.Contains(p.Name) : p.SectionInfo.AutoLoad).ToList();
        if (obj.OpenErrors.Count > 0)
            return Refuse(selected, "object fails to open: " + string.Join("; ", obj.OpenErrors.Select(e => e.Message)));
        if (!obj.Endian.Equals(Endian.Little))
            return Refuse(selected, "object is big-endian (bpfeb); this host loads little-endian objects");

        var resolution = ExternResolver.Resolve(obj, target.Kernel);
        var unresolved = resolution.Externs.FirstOrDefault(r => !r.IsSet && !r.Extern.IsWeak &&
            r.Extern.Kind is ExternKind.Kfunc or ExternKind.TypedKsym);
        if (unresolved is not null)
            return Refuse(selected, (unresolved.Extern.Kind, unresolved.Status) switch
            {
                (ExternKind.Kfunc, ExternStatus.Incompatible) => $"extern (func ksym) '{unresolved.Extern.Name}': func_proto incompatible with the kernel's",
                (ExternKind.Kfunc, _) => $"extern (func ksym) '{unresolved.Extern.Name}': not found in kernel or module BTFs",
                (_, ExternStatus.Incompatible) => $"extern (var ksym) '{unresolved.Extern.Name}': type incompatible with the kernel's",
                _ => $"extern (var ksym) '{unresolved.Extern.Name}': not found in kernel BTF",
            });

        var structOps = StructOpsLayout.Build(obj, target.Kernel);
        if (structOps.Error is { } structOpsError) return Refuse(selected, structOpsError);

        // libbpf probes LINUX_HAS_SYSCALL_WRAPPER with a kprobe on __<arch>_sys_bpf; the host's config and kallsyms say how that ends
        var (kconfig, kconfigErrors) = KconfigValues.Build(obj, target.Kernel.Config, target.KernelVersionCode,
            SyscallWrapperProbe.Value(target.Kernel, out _) ?? "y");
        if (kconfigErrors.Count > 0) return Refuse(selected, string.Join("; ", kconfigErrors));

        var (btfFd, btfError, raw) = LoadBtf(obj, target.Features, options);
        var datasecIds = new Dictionary<string, uint>();
        uint DatasecId(string name)
        {
            if (raw is null) return 0;
            if (!datasecIds.TryGetValue(name, out var id)) datasecIds[name] = id = raw.Find(RawBtfKind.Datasec, name);
            return id;
        }

        var maps = new MapCreator(bpf).Create(obj, btfFd?.Value ?? 0, DatasecId, kconfig.Length > 0 ? kconfig : null, options);
        var mapsByName = maps.Fds.ToDictionary(kv => kv.Key.Name, kv => kv.Value);
        if (maps.Kconfig is { } k) mapsByName[".kconfig"] = k;
        var (opsFds, opsError, opsErrno) = maps.Error is null
            ? new StructOpsMaps(bpf).Create(structOps, btfFd?.Value ?? 0, target.ModuleBtfFds)
            : (new Dictionary<string, BpfFd>(), null, null);
        foreach (var (name, fd) in opsFds) mapsByName[name] = fd;
        if ((maps.Error ?? opsError) is { } mapError)
        {
            foreach (var fd in mapsByName.Values) fd.Dispose();
            btfFd?.Dispose();
            return Refuse(selected, mapError, maps.Errno ?? opsErrno);
        }

        var analyses = CompatEngine.Analyze(obj, target.Kernel, target.Kernel.Release ?? target.Kernel.BtfSha256)
            .ToDictionary(a => a.Program.Name);
        var host = new HostValues
        {
            MapFd = m => maps.Fds.TryGetValue(m, out var fd) ? fd.Value : null,
            KconfigMapFd = maps.Kconfig?.Value,
            ModuleBtfFds = target.ModuleBtfFds,
            Kallsyms = target.Kallsyms,
        };
        var outcomes = new List<ProgramLoadOutcome>();
        foreach (var program in selected)
            outcomes.Add(LoadProgram(obj, program, analyses[program.Name].Fixups, target, host, btfFd, options, structOps));
        var warnings = new List<string>();
        if (btfError is not null) warnings.Add(btfError);
        var registrations = new StructOpsMaps(bpf).Register(structOps, opsFds, outcomes);
        warnings.AddRange(registrations.Where(r => !r.Accepted && r.Attempted).Select(r => r.Message));
        return new LoadedObject
        {
            Programs = outcomes, Btf = btfFd, BtfError = btfError, Maps = mapsByName, Warnings = warnings, StructOps = registrations,
        };
    }

    private (BpfFd? Fd, string? Error, RawBtf? Raw) LoadBtf(BpfObject obj, KernelBtfFeatures features, LoadOptions options)
    {
        if (obj.Btf is null) return (null, null, null);
        RawBtf raw;
        try
        {
            raw = RawBtf.Parse(obj.Btf.RawBytes.Span);
            ObjectBtfFixer.Fix(raw, obj.Elf, obj.Externs);
            BtfSanitizer.Sanitize(raw, features);
        }
        catch (BpfFormatException e)
        {
            return (null, "object BTF could not be prepared: " + e.Message, null);
        }
        var r = bpf.BtfLoad(raw.ToArray(), options.Log);
        if (r.Succeeded) return (r.Fd, null, raw);
        // libbpf: "Error loading .BTF into kernel ... BTF is optional, ignoring" (programs load without func/line info).
        return (null, $"object BTF rejected by the kernel: {Errno.Name(r.Errno)}: {VerifierLogMapper.LastLine(r.Log)}", null);
    }

    private ProgramLoadOutcome LoadProgram(BpfObject obj, BpfProgram program, IReadOnlyList<Fixup> fixups,
        LoadTarget target, HostValues host, BpfFd? btfFd, LoadOptions options, StructOpsLayout structOps)
    {
        var info = program.SectionInfo;
        if (info.ProgramTypeId == 0)
            return Failed(program, null, $"prog '{program.Name}': missing BPF prog type, check ELF section name '{program.SectionName}'");
        var attach = AttachTargets.Resolve(program, target.Kernel);
        if (info.ProgramTypeId == StructOpsLayout.ProgTypeStructOps)
        {
            if (!structOps.Programs.TryGetValue(program.Name, out var ops))
                return Failed(program, Errno.EINVAL, StructOpsLayout.UnreferencedMessage(program.Name));
            attach = new AttachTarget(ops.BtfId, ops.Module, null);
        }
        if (attach?.Error is { } attachError) return Failed(program, null, attachError);
        var attachObjFd = 0;
        if (attach?.Module is { } module && !target.ModuleBtfFds.TryGetValue(module, out attachObjFd))
            return Failed(program, null, $"prog '{program.Name}': attach target in module {module}, whose BTF fd is unknown");

        var patched = FixupApplier.Apply(program, fixups, obj.Externs, host);
        if (patched.Error is { } patchError) return Failed(program, null, $"prog '{program.Name}': {patchError}");
        var ext = btfFd is null ? ExtInfo.None : ExtInfoBuilder.Build(obj, program);
        var def = ProgramSections.FindDefinition(program.SectionName.TrimStart('?'));
        var flags = (info.Sleepable ? BpfConst.FSleepable : 0) | (def?.XdpFrags == true ? BpfConst.FXdpHasFrags : 0);
        var request = new ProgLoadRequest
        {
            ProgType = info.ProgramTypeId,
            ExpectedAttachType = structOps.Programs.TryGetValue(program.Name, out var member) && info.ProgramTypeId == StructOpsLayout.ProgTypeStructOps
                ? member.MemberIndex : info.AttachTypeId,
            Instructions = Instruction.EncodeAll(patched.Instructions, Endian.Little),
            License = obj.License ?? "",
            Name = program.Name,
            Flags = flags,
            KernVersion = obj.KernelVersion ?? (info.ProgramTypeId == 2 ? target.KernelVersionCode : 0),
            ProgBtfFd = ext.FuncInfo.Count > 0 && btfFd is not null ? btfFd.Value : 0,
            FuncInfo = ext.FuncInfo,
            LineInfo = ext.FuncInfo.Count > 0 ? ext.LineInfo : default, // line_info goes with func_info
            AttachBtfId = attach?.BtfId ?? 0,
            AttachBtfObjFd = attachObjFd,
            FdArray = patched.FdArray,
        };
        var r = bpf.ProgLoad(request, options.Log);
        if (r.Succeeded)
        {
            if (options.PinDirectory is { } dir) bpf.ObjPin(r.Fd!, Path.Combine(dir, program.Name));
            return new ProgramLoadOutcome(program.Name, true, null, "loaded", r.Log, r.Fd);
        }
        var log = VerifierLogMapper.Rewrite(r.Log, obj.Externs);
        var message = VerifierLogMapper.FindPoisonedKfunc(r.Log, obj.Externs) is { } poison
            ? $"prog '{program.Name}': {VerifierLogMapper.Message(poison.Name)}"
            : $"prog '{program.Name}': BPF_PROG_LOAD: {Errno.Name(r.Errno)}" + (VerifierLogMapper.LastLine(log) is { Length: > 0 } last ? $": {last}" : "");
        return new ProgramLoadOutcome(program.Name, false, r.Errno, message, log, null);
    }

    private static ProgramLoadOutcome Failed(BpfProgram program, int? errno, string message) => new(program.Name, false, errno, message, "", null);

    private static LoadedObject Refuse(IEnumerable<BpfProgram> programs, string message, int? errno = null) => new()
    {
        Programs = programs.Select(p => new ProgramLoadOutcome(p.Name, false, errno, message, "", null)).ToArray(),
        Maps = new Dictionary<string, BpfFd>(),
    };
}
