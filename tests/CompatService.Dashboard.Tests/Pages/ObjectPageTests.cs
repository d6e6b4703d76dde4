using Bunit;
using CompatService.Contracts;
using CompatService.Dashboard.Pages;
using CompatService.Dashboard.Tests.Infrastructure;

namespace CompatService.Dashboard.Tests.Pages;

public class ObjectPageTests : DashboardTestContext
{
    private static readonly DisassemblyDto Relocated = new("p_mixed", 2,
    [
        new DisassemblyLine(0, "b701000000000000", "r1 = 0", null, null),
        new DisassemblyLine(4, "8520000039300000", "call bpf_missing_kfunc", FixupKinds.PoisonCall, "bpf_missing_kfunc"),
        new DisassemblyLine(7, "8520000039300000", "call nf_ct_helper", FixupKinds.KfuncCall, "nf_ct_helper btf_id=777 module=nf_conntrack"),
    ], [new Fixup(4, FixupKinds.PoisonCall, "bpf_missing_kfunc", null, null, 2002000000, 0, 0)]);

    [Fact]
    public void Object_ListsProgramsWithKfuncsWeakStrongGuardedUnguardedAndCallSites()
    {
        var cut = Render<ObjectPage>(p => p.Add(x => x.Id, 10));
        Assert.Equal("demo.bpf.o", cut.Find("h1").TextContent);
        var mixed = cut.FindAll("section.program").Single(s => s.TextContent.Contains("p_mixed"));
        var rows = mixed.QuerySelectorAll("table tbody tr").Select(r => r.TextContent).ToList();
        Assert.Contains(rows, r => r.Contains("bpf_missing_kfunc") && r.Contains("strong") && r.Contains("unguarded") && r.Contains('4'));
        Assert.Contains(rows, r => r.Contains("bpf_new_kfunc") && r.Contains("weak") && r.Contains("guarded") && r.Contains('5'));
        Assert.Contains("bpf_prog_active", mixed.TextContent);
        Assert.Contains("CONFIG_HZ", mixed.TextContent);
    }

    [Fact]
    public void Object_ShowsEachProgramsNeeds_AndItsMinimumKernelPerStream()
    {
        var needs = new ProgramRequirements("xdp", "BPF_PROG_TYPE_XDP", "xdp", "BPF_XDP",
            [new HelperRequirement("bpf_loop", 181, [3])], [new MapRequirement("events", "ringbuf", 27)],
            [new ExternRequirement("bpf_new_kfunc", true, false, true)], [new ExternRequirement("bpf_prog_active", true, true, false)],
            new IsaRequirement("v3", [new IsaFeature("jmp32 (cpu v3)", "5.1", 9)]));
        var mixed = Api.Objects[0].Programs[1] with { };
        var stream = new StreamMinimumKernel("debian", "amd64", null, 2, 0, new KernelRef("1", "6.12.43+deb12-amd64"),
            new KernelRef("1", "6.12.43+deb12-amd64"),
            new KernelBlocker("2", "6.1.0-47-amd64", Verdict.Fails, [new KernelNeed("helper-missing", "bpf_loop", "needs `bpf_loop` (helper 181)")]),
            "loads from 6.12.43+deb12-amd64; 6.1.0-47-amd64: fails, needs `bpf_loop` (helper 181)");
        var everywhere = new StreamMinimumKernel("debian", "x86_64", null, 1, 0, new KernelRef("3", "6.1.0-56-arm64"), new KernelRef("3", "6.1.0-56-arm64"), null, "loads on 6.1.0-56-arm64 (the only kernel)");
        Api.Requirements[10] = new ObjectRequirementsDto(10, TestData.ShaA, "demo.bpf.o",
            [mixed with { Requirements = needs }], [new MapRequirement("events", "ringbuf", 27)],
            [new ProgramMinimumKernels("demo.bpf.o", TestData.ShaA, "p_mixed", [stream, everywhere])]);

        var cut = Render<ObjectPage>(p => p.Add(x => x.Id, 10));
        cut.WaitForAssertion(() => Assert.NotEmpty(cut.FindAll("table.min-kernel")));
        var section = cut.FindAll("section.program").Single(s => s.TextContent.Contains("p_mixed"));
        var row = section.QuerySelector("table.min-kernel tr[data-stream='debian · amd64 · default']")!;
        Assert.Contains("6.12.43+deb12-amd64", row.TextContent);
        Assert.Contains("6.1.0-47-amd64", row.TextContent);
        Assert.Equal("bpf_loop", row.QuerySelector("ul.needs li code")!.TextContent);
        Assert.Contains("(helper 181)", row.QuerySelector("ul.needs li")!.TextContent);
        Assert.Contains("loads on every kernel of the stream", section.QuerySelector("table.min-kernel tr[data-stream='debian · x86_64 · default']")!.TextContent);
        var facts = section.QuerySelector("dl.needs")!;
        Assert.Contains("BPF_PROG_TYPE_XDP", facts.TextContent);
        Assert.Contains("BPF_XDP", facts.TextContent);
        Assert.Contains("#181", facts.QuerySelector("dd.helpers")!.TextContent);
        Assert.Contains("events (ringbuf)", facts.QuerySelector("dd.maps")!.TextContent);
        Assert.Contains("jmp32 (cpu v3) · Linux ≥ 5.1", facts.QuerySelector("dd.isa")!.TextContent);
        Assert.Contains("v3", facts.QuerySelector("dd.isa strong")!.TextContent);
        Assert.Contains("unguarded", facts.QuerySelector("dd.ksyms")!.TextContent);
        Assert.Contains("guarded", facts.QuerySelector("dd.kfuncs")!.TextContent);
        // the program without requirements data still renders its summary, without a needs list
        Assert.Null(cut.FindAll("section.program").Single(s => s.TextContent.Contains("p_ok")).QuerySelector("dl.needs"));
    }

    [Fact]
    public void Disassembly_ForAChosenKernel_MarksTheKfuncFixups()
    {
        Api.Disassembly[(10, "p_mixed", null)] = Relocated with { KernelId = null, Fixups = [] };
        Api.Disassembly[(10, "p_mixed", 2)] = Relocated;
        NavigateTo("/objects/10?program=p_mixed&kernel=2");
        var cut = Render<ObjectPage>(p => p.Add(x => x.Id, 10));
        cut.WaitForAssertion(() => Assert.Equal(2, cut.FindAll("table.disasm tr.fixup").Count));
        var poison = cut.Find("tr.fixup-poison-call");
        Assert.Contains("call bpf_missing_kfunc", poison.TextContent);
        Assert.Contains("poison-call", poison.QuerySelector("mark")!.TextContent);
        Assert.Contains("btf_id=777 module=nf_conntrack", cut.Find("tr.fixup-kfunc-call").TextContent);
        Assert.Contains("1 fixup on this kernel", cut.Markup);
    }

    [Fact]
    public void ChoosingAnotherKernel_ReloadsTheDisassembly_AndKeepsItInTheUrl()
    {
        Api.Disassembly[(10, "p_ok", null)] = Relocated with { Program = "p_ok", KernelId = null, Fixups = [], Lines = [Relocated.Lines[0]] };
        Api.Disassembly[(10, "p_ok", 2)] = Relocated with { Program = "p_ok" };
        var cut = Render<ObjectPage>(p => p.Add(x => x.Id, 10));
        cut.WaitForAssertion(() => Assert.Single(cut.FindAll("table.disasm td.num")));
        cut.Find("select[aria-label='Kernel to relocate for']").Change("2");
        cut.WaitForAssertion(() => Assert.Equal(2, cut.FindAll("table.disasm tr.fixup").Count));
        Assert.Contains("kernel=2", CurrentUri);
    }

    [Fact]
    public void UnknownObject_SaysSo()
    {
        var cut = Render<ObjectPage>(p => p.Add(x => x.Id, 999));
        Assert.Contains("No such object", cut.Find(".empty-state").TextContent);
    }

    [Fact]
    public void ObjectsList_LinksEveryObject_AndEmptyListSaysWhatToDo()
    {
        var cut = Render<ObjectsPage>();
        Assert.Equal("objects/10", cut.Find("table.list a").GetAttribute("href"));
        Api.Objects.Clear();
        var empty = Render<ObjectsPage>();
        Assert.Contains("Upload a BPF object", empty.Find(".empty-state").TextContent);
    }

    [Fact]
    public void Object_ShowsEachProgramsVerdictPerKernel_FromTheMatrixOfThisObject()
    {
        var cut = Render<ObjectPage>(p => p.Add(x => x.Id, 10));
        var obj = Api.Objects.Single(o => o.Id == 10);
        Assert.Contains(Api.MatrixQueries, q => q.ObjectSha256 == obj.Sha256);
        var table = cut.Find("table.verdicts");
        Assert.Equal(Api.Matrix.Kernels.Count + 1, table.QuerySelectorAll("thead th").Length);
        var programs = Api.Matrix.Objects.SelectMany(o => o.Programs).ToList();
        Assert.Equal(programs.Count, table.QuerySelectorAll("tbody tr").Length);
        var first = programs[0].Results[0];
        var label = first.Verdict switch { Verdict.Loads => "loads", Verdict.Fails => "fails", _ => "unknown" };
        Assert.Contains(table.QuerySelectorAll("td"), td => td.GetAttribute("aria-label")!.StartsWith($"prog {programs[0].Name} on ", StringComparison.Ordinal)
            && td.TextContent.Contains(label, StringComparison.Ordinal));
    }

    [Fact]
    public void ObjectWithoutPrograms_SaysWhyItIsNotInTheMatrix()
    {
        Api.Objects.Add(TestData.Object(77, "maps_only.bpf.o") with { Programs = [] });
        var cut = Render<ObjectPage>(p => p.Add(x => x.Id, 77));
        Assert.Contains("not in the matrix", cut.Find("p.no-programs").TextContent);
        Assert.Empty(cut.FindAll("table.verdicts"));
    }
}
