using System.Globalization;
using CompatService.Engine;
using CompatService.Engine.Asm;
using CompatService.Engine.Object;
using static CompatService.Reporting.FixupMapping;

namespace CompatService.Api.Endpoints;

/// <summary>A program's instructions (the engine's disassembler), relocated for a kernel when one is given, fixups marked.</summary>
public static class DisassemblyApi
{
    public static IEndpointRouteBuilder MapDisassemblyApi(this IEndpointRouteBuilder app)
    {
        app.MapGet(ApiRoutes.ObjectDisassembly, GetAsync).WithTags("Objects").WithName("GetDisassembly").RequireReadKey();
        return app;
    }

    private static async Task<Results<Ok<DisassemblyDto>, ProblemHttpResult>> GetAsync(
        ObjectCatalog objects, KernelCatalog kernels, long id, string program, long? kernel, CancellationToken ct)
    {
        var o = await objects.FindRowAsync(id, ct);
        if (o is null) return ObjectsApi.UnknownObject(id);
        var obj = await objects.EngineObjectAsync(o.Sha256, ct);
        var p = obj.Programs.FirstOrDefault(x => x.Name == program);
        if (p is null) return Errors.Problems.NotFound("unknown program", $"object {id} has no program '{program}'");

        IReadOnlyList<Instruction> insns = p.Instructions;
        IReadOnlyList<Fixup> fixups = [];
        if (kernel is { } kid)
        {
            var k = await kernels.FindAsync(kid, ct);
            if (k is null) return KernelsApi.UnknownKernel(kid);
            var analysis = CompatEngine.Analyze(obj, await kernels.EngineKernelAsync(k, ct), kid.ToString(CultureInfo.InvariantCulture))
                .First(a => a.Program.Name == program);
            insns = analysis.Relocated;
            fixups = analysis.Fixups.ToContract();
        }
        return TypedResults.Ok(new DisassemblyDto(program, kernel, Lines(p, insns, fixups, obj.Endian), fixups));
    }

    private static List<DisassemblyLine> Lines(BpfProgram p, IReadOnlyList<Instruction> insns, IReadOnlyList<Fixup> fixups,
        CompatService.Engine.Binary.Endian endian)
    {
        var externs = p.References.Where(r => r.Kind == InsnReferenceKind.Extern).GroupBy(r => r.Insn).ToDictionary(g => g.Key, g => g.First().Symbol);
        var helpers = Disassembler.HelperCallNames(insns);
        string? CallName(int i) => externs.TryGetValue(i, out var s) ? s : helpers(i);
        var byInsn = fixups.GroupBy(f => f.Insn).ToDictionary(g => g.Key, g => g.First());
        var lines = new List<DisassemblyLine>(insns.Count);
        Span<byte> slot = stackalloc byte[Instruction.Size];
        for (var i = 0; i < insns.Count; i++)
        {
            Instruction? next = i + 1 < insns.Count ? insns[i + 1] : null;
            var slots = insns[i].IsLdImm64 && next is not null ? 2 : 1;
            var hex = "";
            for (var s = 0; s < slots; s++)
            {
                insns[i + s].Encode(slot, endian);
                hex += Convert.ToHexStringLower(slot);
            }
            byInsn.TryGetValue(i, out var f);
            lines.Add(new DisassemblyLine(i, hex, Disassembler.Format(insns[i], next, i, CallName), f?.Kind,
                f is null ? null : $"{f.Symbol}" + (f.BtfId is { } b ? $" btf_id={b}" : "") + (f.Module is { } m ? $" module={m}" : "")));
            i += slots - 1;
        }
        return lines;
    }
}
