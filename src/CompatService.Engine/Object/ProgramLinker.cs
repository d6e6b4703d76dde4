using CompatService.Contracts;
using CompatService.Engine.Asm;
using CompatService.Engine.Elf;

namespace CompatService.Engine.Object;

/// <summary>
/// Lays programs out the way libbpf does: each entry program (a FUNC symbol in an executable section other than .text)
/// followed by every sub-program it reaches, appended depth-first in order of first reference, with bpf-to-bpf call
/// immediates re-pointed; every relocation becomes an <see cref="InsnReference"/> at its index in the linked program.
/// </summary>
internal sealed class ProgramLinker
{
    private readonly ElfFile _elf;
    private readonly Dictionary<string, BpfExtern> _externsByName;
    private readonly IReadOnlyList<BpfMap> _maps;
    private readonly List<ObjectProblem> _openErrors;
    private readonly Binary.AnalysisBudget _budget;
    private readonly Dictionary<int, Instruction[]> _code = new();
    private readonly Dictionary<int, List<ElfSymbol>> _funcs = new();
    /// <summary>Per code section: index into <see cref="_funcs"/> of the function owning each instruction (-1: none).</summary>
    private readonly Dictionary<int, int[]> _owner = new();
    private readonly Dictionary<(int Section, int Insn), ElfRelocation> _relocs = new();

    private ProgramLinker(ElfFile elf, IReadOnlyList<BpfExtern> externs, IReadOnlyList<BpfMap> maps, List<ObjectProblem> openErrors,
        Binary.AnalysisBudget budget)
    {
        _budget = budget;
        _elf = elf;
        _externsByName = new Dictionary<string, BpfExtern>(StringComparer.Ordinal);
        foreach (var e in externs) _externsByName.TryAdd(e.Name, e);
        _maps = maps;
        _openErrors = openErrors;
    }

    /// <summary>Links every program; each instruction decoded or copied into a program, and each program, is charged to <paramref name="budget"/>.</summary>
    public static IReadOnlyList<BpfProgram> LinkAll(ElfFile elf, IReadOnlyList<BpfExtern> externs, IReadOnlyList<BpfMap> maps, List<ObjectProblem> openErrors,
        Binary.AnalysisBudget budget) =>
        new ProgramLinker(elf, externs, maps, openErrors, budget).Run();

    private IReadOnlyList<BpfProgram> Run()
    {
        foreach (var s in _elf.Sections)
            if (s.IsExecutable && s.Type == ElfConstants.ShtProgbits && s.Size > 0)
            {
                if (!_budget.TryCharge((long)(s.Size / Instruction.Size))) throw _budget.Exceeded($"object: decoding the instructions of section '{s.Name}'");
                _code[s.Index] = CheckWideInstructions(BpfObject.DecodeSection(s, _elf.Endian), s);
            }

        foreach (var sym in _elf.Symbols)
            if (sym.Type == ElfConstants.SttFunc && _code.ContainsKey(sym.SectionIndex))
            {
                if (!_funcs.TryGetValue(sym.SectionIndex, out var list)) _funcs[sym.SectionIndex] = list = new();
                list.Add(sym);
            }
        foreach (var (sectionIndex, list) in _funcs)
        {
            list.Sort((a, b) => a.Value != b.Value ? a.Value.CompareTo(b.Value) : a.Index.CompareTo(b.Index));
            _owner[sectionIndex] = FunctionOwners.Build(list, _code[sectionIndex].Length);
        }

        foreach (var rs in _elf.Relocations)
        {
            if (!_code.ContainsKey(rs.TargetSectionIndex)) continue;
            foreach (var r in rs.Entries)
            {
                if (r.Offset % Instruction.Size != 0 || r.Offset >= (ulong)_code[rs.TargetSectionIndex].Length * Instruction.Size)
                {
                    // Well-formed ELF, but not a relocation libbpf accepts (e.g. DTrace's own linker patches imm fields).
                    _openErrors.Add(new(ReasonCodes.ObjectOpenFailed, null,
                        $"sec '{_elf.Sections[rs.TargetSectionIndex].Name}': invalid offset 0x{r.Offset:x} for relocation ({ElfConstants.RelocationName(r.Type)})"));
                    continue;
                }
                _relocs[(rs.TargetSectionIndex, (int)(r.Offset / Instruction.Size))] = r;
            }
        }

        var programs = new List<BpfProgram>();
        foreach (var (sectionIndex, funcs) in _funcs.OrderBy(kv => kv.Key))
        {
            var section = _elf.Sections[sectionIndex];
            if (section.Name == ".text") continue;
            foreach (var sym in funcs)
            {
                if (sym.IsLocal)
                {
                    _openErrors.Add(new(ReasonCodes.ObjectOpenFailed, null, $"sec '{section.Name}': program '{sym.Name}' is static and not supported"));
                    continue;
                }
                programs.Add(Link(section, sym));
            }
        }
        return programs;
    }

    /// <summary>Every ld_imm64 needs its second slot (opcode 0) inside the section.</summary>
    private static Instruction[] CheckWideInstructions(Instruction[] insns, ElfSection section)
    {
        for (var i = 0; i < insns.Length; i++)
        {
            if (!insns[i].IsLdImm64) continue;
            if (i + 1 >= insns.Length || insns[i + 1].OpCode != 0)
                throw new Binary.BpfFormatException($"insn {i}: ld_imm64 without its second half", (long)i * Instruction.Size, section.Name);
            i++;
        }
        return insns;
    }

    /// <summary>Steps charged per program on top of its instructions (its records and reference lists).</summary>
    private const int ProgramCost = 16;

    private (int Start, int Length) Bounds(ElfSymbol sym, ElfSection section)
    {
        var insns = _code[section.Index];
        var start = sym.Value / Instruction.Size;
        var length = sym.Size / Instruction.Size;
        if (sym.Value % Instruction.Size != 0 || start > (ulong)insns.Length || length > (ulong)insns.Length - start)
            throw new Binary.BpfFormatException($"function '{sym.Name}' (0x{sym.Value:x}+{sym.Size}) lies outside its code section", (long)sym.Value, section.Name);
        if (length == 0) length = (ulong)insns.Length - start; // size-less symbols run to the end of the section
        return ((int)start, (int)length);
    }

    private BpfProgram Link(ElfSection section, ElfSymbol entry)
    {
        var state = new LinkState();
        var (start, length) = Bounds(entry, section);
        if (!_budget.TryCharge(ProgramCost + length)) throw _budget.Exceeded($"object: linking program '{entry.Name}'");
        state.Insns.AddRange(_code[section.Index].AsSpan(start, length).ToArray());
        state.Placed[(section.Index, start)] = 0;
        Process(state, new Frame(section, entry.Name, start, 0, length));
        return new BpfProgram
        {
            Name = entry.Name,
            SectionName = section.Name,
            SectionIndex = section.Index,
            SectionOffset = entry.Value,
            SectionInfo = ProgramSections.Resolve(section.Name) ?? new ProgramSectionInfo("unspec", 0, null, 0, null, false, !section.Name.StartsWith('?')),
            OwnLength = length,
            Instructions = state.Insns.ToArray(),
            References = state.Refs.OrderBy(r => r.Insn).ToArray(),
            Subprograms = state.Subprograms,
        };
    }

    private sealed class LinkState
    {
        public readonly List<Instruction> Insns = new();
        public readonly List<InsnReference> Refs = new();
        public readonly List<SubprogramPlacement> Subprograms = new();
        public readonly Dictionary<(int Section, int Start), int> Placed = new();
    }

    /// <summary>A function being relocated: copied from section[SrcStart..+Length] to linked index DstStart; Next is the next insn to visit.</summary>
    private sealed class Frame(ElfSection section, string name, int srcStart, int dstStart, int length)
    {
        public readonly ElfSection Section = section;
        public readonly string Name = name;
        public readonly int SrcStart = srcStart, DstStart = dstStart, Length = length;
        public int Next;
    }

    /// <summary>
    /// Relocates <paramref name="root"/> and every sub-program it reaches. Iterative (an explicit stack, not recursion: the
    /// chain depth comes from the input) but in the order the recursive libbpf walk appends sub-programs: a callee is
    /// appended at its first reference and relocated before the caller continues.
    /// </summary>
    private void Process(LinkState state, Frame root)
    {
        var stack = new Stack<Frame>();
        stack.Push(root);
        while (stack.TryPeek(out var f))
        {
            if (f.Next >= f.Length) { stack.Pop(); continue; }
            var i = f.Next;
            var code = _code[f.Section.Index];
            var src = f.SrcStart + i;
            var dst = f.DstStart + i;
            var insn = code[src];
            f.Next = insn.IsLdImm64 ? i + 2 : i + 1;
            if (insn.IsLdImm64 && i + 1 >= f.Length)
                throw new Binary.BpfFormatException($"function '{f.Name}': ld_imm64 at insn {src} is cut by the end of its function", (long)src * Instruction.Size, f.Section.Name);
            Frame? callee = null;
            if (_relocs.TryGetValue((f.Section.Index, src), out var reloc))
                callee = ApplyRelocation(state, f.Section, insn, src, dst, reloc);
            else if (insn.IsPseudoCall)
                callee = LinkCall(state, f.Section, (long)src + insn.Imm + 1, dst, insn, isAddress: false);
            if (callee is not null) stack.Push(callee);
        }
    }

    private Frame? ApplyRelocation(LinkState state, ElfSection section, Instruction insn, int src, int dst, ElfRelocation reloc)
    {
        var sym = _elf.Symbols[reloc.SymbolIndex];
        if (sym.IsUndefined)
        {
            _externsByName.TryGetValue(sym.Name, out var ext);
            if (!insn.IsCall && !insn.IsLdImm64)
                _openErrors.Add(new(ReasonCodes.ObjectOpenFailed, null, $"sec '{section.Name}': insn #{src}: unsupported relocation against extern '{sym.Name}' (neither call nor ld_imm64)"));
            state.Refs.Add(new InsnReference(dst, InsnReferenceKind.Extern, sym.Name, Extern: ext));
            return null;
        }
        if (sym.SectionIndex >= _elf.Sections.Count) return null; // ABS / COMMON: nothing libbpf relocates in code
        var target = _elf.Sections[sym.SectionIndex];
        if (_code.ContainsKey(target.Index))
        {
            // Checked against the section before any int arithmetic: symbol values and immediates come from the input.
            var symInsn = sym.Value / Instruction.Size > int.MaxValue ? long.MaxValue / 2 : (long)(sym.Value / Instruction.Size);
            if (insn.IsCall)
                return LinkCall(state, target, symInsn + insn.Imm + 1, dst, insn, isAddress: false);
            if (insn.IsLdImm64)
                return LinkCall(state, target, sym.Value > long.MaxValue / 2 ? long.MaxValue / 2 : ((long)sym.Value + insn.Imm) / Instruction.Size, dst, insn, isAddress: true);
            return null;
        }
        if (target.Name is ".maps" or "maps")
        {
            var map = _maps.FirstOrDefault(m => m.SectionIndex == target.Index && (m.Name == sym.Name || (m.SectionOffset == sym.Value && sym.Type != ElfConstants.SttSection)));
            if (map is null) _openErrors.Add(new(ReasonCodes.ObjectOpenFailed, null, $"sec '{section.Name}': insn #{src}: relocation against unknown map symbol '{sym.Name}'"));
            state.Refs.Add(new InsnReference(dst, InsnReferenceKind.Map, sym.Name, Map: map));
            return null;
        }
        var data = _maps.FirstOrDefault(m => m.Origin == MapOrigin.GlobalData && m.SectionIndex == target.Index);
        if (data is not null)
        {
            state.Refs.Add(new InsnReference(dst, InsnReferenceKind.GlobalData, sym.Type == ElfConstants.SttSection ? target.Name : sym.Name,
                Map: data, Offset: (long)sym.Value + insn.Imm));
            return null;
        }
        _openErrors.Add(new(ReasonCodes.ObjectOpenFailed, null, $"sec '{section.Name}': insn #{src}: relocation against symbol '{sym.Name}' in unsupported section '{target.Name}'"));
        return null;
    }

    /// <summary>
    /// Appends (once) the sub-program holding <paramref name="targetInsn"/> of <paramref name="section"/> and re-points the call;
    /// returns the frame to relocate when it was appended now.
    /// </summary>
    private Frame? LinkCall(LinkState state, ElfSection section, long targetInsn, int dst, Instruction insn, bool isAddress)
    {
        var func = FindFunction(section, targetInsn);
        if (func is null)
        {
            _openErrors.Add(new(ReasonCodes.ObjectOpenFailed, null, $"call at insn #{dst} targets insn {targetInsn} of '{section.Name}', which is not inside any function"));
            return null;
        }
        var (start, length) = Bounds(func, section);
        Frame? appended = null;
        if (!state.Placed.TryGetValue((section.Index, start), out var placed))
        {
            if (!_budget.TryCharge(length)) throw _budget.Exceeded($"object: linking sub-program '{func.Name}'");
            placed = state.Insns.Count;
            state.Placed[(section.Index, start)] = placed;
            state.Insns.AddRange(_code[section.Index].AsSpan(start, length));
            state.Subprograms.Add(new SubprogramPlacement(func.Name, placed, length));
            appended = new Frame(section, func.Name, start, placed, length);
        }
        var linkedTarget = placed + (int)(targetInsn - start);
        if (isAddress)
        {
            // ld_imm64 of a function (callbacks): libbpf sets src_reg BPF_PSEUDO_FUNC and imm = relative insn offset.
            state.Insns[dst] = insn with { Src = 4, Imm = linkedTarget - dst - 1 };
            state.Insns[dst + 1] = state.Insns[dst + 1] with { Imm = 0 };
            state.Refs.Add(new InsnReference(dst, InsnReferenceKind.SubprogramAddress, func.Name));
        }
        else
        {
            state.Insns[dst] = insn with { Src = 1, Imm = linkedTarget - dst - 1 };
            state.Refs.Add(new InsnReference(dst, InsnReferenceKind.SubprogramCall, func.Name));
        }
        return appended;
    }

    /// <summary>The function containing instruction <paramref name="insn"/> (the last in address order when symbols overlap), or null.</summary>
    private ElfSymbol? FindFunction(ElfSection section, long insn)
    {
        if (!_funcs.TryGetValue(section.Index, out var funcs)) return null;
        var owners = _owner[section.Index];
        if (insn < 0 || insn >= owners.Length) return null;
        var k = owners[insn];
        return k < 0 ? null : funcs[k];
    }
}
