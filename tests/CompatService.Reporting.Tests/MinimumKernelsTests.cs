using CompatService.Contracts;
using CompatService.Engine.Analysis;
using CompatService.Reporting;
using ProgramResult = CompatService.Contracts.ProgramResult;
using Reason = CompatService.Contracts.Reason;
using Verdict = CompatService.Contracts.Verdict;

namespace CompatService.Reporting.Tests;

/// <summary>The minimum kernel per program and stream, computed from matrix cells (the one computation every face uses).</summary>
public sealed class MinimumKernelsTests
{
    private static ProgramResult Cell(string kernel, Verdict v, params Reason[] reasons) => new(kernel, v, reasons, [], []);

    private static MatrixReport Report(params ProgramResult[] cells) => new(
        cells.Select(c => new MatrixKernel(c.Kernel, null, "00")).ToArray(),
        [new MatrixObject("/x/prog.o", "ab", [new MatrixProgram("p", "xdp", "xdp", [], cells)])]);

    private static StreamKernel Debian(string id, string? release, string flavour = "amd64") => new(id, release, "debian", "amd64", flavour);

    [Fact]
    public void OrdersByReleaseNumbers_AndNamesWhatTheKernelBeforeLacks()
    {
        var loop = new Reason(ReasonCodes.HelperMissing, "bpf_loop", 7, "program 'p': insn 7: needs helper bpf_loop (id 181) ...");
        var note = new Reason(ReasonCodes.KfuncTagsUnavailable, null, null, "a note does not decide");
        var report = Report(
            Cell("b", Verdict.Loads), Cell("a", Verdict.Fails, loop, loop, note), Cell("d", Verdict.Loads), Cell("c", Verdict.Loads));
        // given out of order; 6.1.0-47 < 6.1.0-56 < 6.12.117 by number, not by text
        var kernels = new[] { Debian("d", "6.12.117+deb13-amd64"), Debian("a", "5.10.0-46-amd64"), Debian("c", "6.1.0-56-amd64"), Debian("b", "6.1.0-47-amd64") };
        var s = Assert.Single(Assert.Single(MinimumKernels.Compute(report, kernels)).Streams);
        Assert.Equal(("debian", "amd64", "amd64", 4), (s.Distro, s.Arch, s.Flavour, s.Kernels));
        Assert.Equal("6.1.0-47-amd64", s.OldestLoads!.Release);
        Assert.Equal("6.12.117+deb13-amd64", s.Newest.Release);
        Assert.Equal(("a", Verdict.Fails), (s.Before!.Id, s.Before.Verdict));
        var need = Assert.Single(s.Before.Needs); // one per code and symbol; notes left out
        Assert.Equal("needs `bpf_loop` (helper 181)", need.Text);
        Assert.Equal("loads from 6.1.0-47-amd64; 5.10.0-46-amd64: fails, needs `bpf_loop` (helper 181)", s.Summary);
    }

    [Fact]
    public void AGap_IsNotAMinimum_NotLoadingOnTheNewestSaysSo_StreamsAreSeparate()
    {
        var syscall = new Reason(ReasonCodes.ProgramTypeUnsupported, "BPF_PROG_TYPE_SYSCALL", null, "...");
        var unknown = new Reason(ReasonCodes.KconfigUnknown, "CONFIG_X", 3, "needs the config");
        var report = Report(
            Cell("old", Verdict.Loads), Cell("mid", Verdict.Unknown, unknown), Cell("new", Verdict.Loads),
            Cell("cloud-old", Verdict.Loads), Cell("cloud-new", Verdict.Fails, syscall), Cell("nameless", Verdict.Loads));
        var kernels = new[]
        {
            Debian("old", "5.10.0-46-amd64"), Debian("mid", "6.1.0-56-amd64"), Debian("new", "7.2.13+deb14-amd64"),
            Debian("cloud-old", "6.1.0-56-cloud-amd64", "cloud-amd64"), Debian("cloud-new", "6.12.117+deb13-cloud-amd64", "cloud-amd64"),
            Debian("nameless", null),
        };
        var streams = Assert.Single(MinimumKernels.Compute(report, kernels)).Streams;
        Assert.Equal(["amd64", "cloud-amd64"], streams.Select(s => s.Flavour));
        var plain = streams[0];
        Assert.Equal("7.2.13+deb14-amd64", plain.OldestLoads!.Release); // 5.10 loads too, but 6.1 breaks the run
        Assert.Equal((Verdict.Unknown, "mid"), (plain.Before!.Verdict, plain.Before.Id));
        Assert.Equal($"{ReasonCodes.KconfigUnknown}: needs the config", plain.Before.Needs.Single().Text);
        Assert.Equal(1, plain.Unordered);
        var cloud = streams[1];
        Assert.Null(cloud.OldestLoads);
        Assert.Equal("does not load on the newest kernel, 6.12.117+deb13-cloud-amd64: fails, needs program type `BPF_PROG_TYPE_SYSCALL`", cloud.Summary);
    }

    [Fact]
    public void LoadsEverywhere_HasNoBefore()
    {
        var s = MinimumKernels.Compute(Report(Cell("a", Verdict.Loads), Cell("b", Verdict.Loads)),
            [Debian("a", "6.1.0-56-amd64"), Debian("b", "6.12.117+deb13-amd64")]).Single().Streams.Single();
        Assert.Null(s.Before);
        Assert.Equal("6.1.0-56-amd64", s.OldestLoads!.Release);
        Assert.Equal("loads on every kernel, from 6.1.0-56-amd64", s.Summary);
    }
}
