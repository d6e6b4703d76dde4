using CompatService.Contracts;
using ReasonCodes = CompatService.Engine.Analysis.ReasonCodes;

namespace CompatService.Dashboard.Tests.Infrastructure;

/// <summary>Small, named data sets for component tests.</summary>
public static class TestData
{
    public const string ShaA = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    public const string ShaB = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";

    public static KernelDto Kernel(long id, string release, string arch = "x86_64", string? distro = "debian", string? flavour = null,
        IReadOnlyDictionary<string, string>? labels = null) =>
        new(id, (id.ToString("x") + new string('0', 64))[..64], release, arch, flavour, distro, labels ?? new Dictionary<string, string>(),
            KfuncCount: 120, TypeCount: 90000, FunctionCount: 60000, HasKfuncTags: false, HasKfuncFlags: true, Modules: [], Source: "upload",
            CreatedAt: new DateTimeOffset(2026, 11, 1, 12, 0, 0, TimeSpan.Zero));

    public static ProgramSummary Program(string name, params KfuncUse[] kfuncs) =>
        new(name, "xdp", "xdp", null, null, true, 12, kfuncs, [new KsymUse("bpf_prog_active", true, true, [3])], ["CONFIG_HZ"], ["bpf_map_lookup_elem"]);

    public static ObjectDto Object(long id, string name, params ProgramSummary[] programs) =>
        new(id, ShaA, name, new Dictionary<string, string> { ["repo"] = "demo" }, 4096,
            new DateTimeOffset(2026, 11, 1, 12, 0, 0, TimeSpan.Zero),
            programs.Length > 0 ? programs : [Program("xdp_prog")], "GPL", []);

    public static ProgramResult Loads(string kernel) =>
        new(kernel, Verdict.Loads, [], [new KfuncResolution("bpf_rcu_read_lock", Resolutions.Resolved, 12345, null)], []);

    public static ProgramResult Fails(string kernel) =>
        new(kernel, Verdict.Fails,
            [new Reason(ReasonCodes.KfuncMissing, "bpf_missing_kfunc", 4, "program 'p': insn 4: kfunc 'bpf_missing_kfunc': not found in 6.1.0-47-amd64")],
            [new KfuncResolution("bpf_missing_kfunc", Resolutions.Missing, null, null),
             new KfuncResolution("nf_ct_helper", Resolutions.Resolved, 777, "nf_conntrack")], []);

    public static ProgramResult Degraded(string kernel) =>
        new(kernel, Verdict.Loads,
            [new Reason(ReasonCodes.WeakKfuncDisabled, "bpf_new_kfunc", 7, "weak kfunc 'bpf_new_kfunc' is missing: its guarded path is skipped")],
            [new KfuncResolution("bpf_new_kfunc", Resolutions.Missing, null, null)],
            [new DisabledPath("bpf_new_kfunc", 7, "guarded call to bpf_new_kfunc at insn 7 is dead on this kernel")]);

    public static ProgramResult Unknown(string kernel) =>
        new(kernel, Verdict.Unknown, [new Reason(ReasonCodes.KfuncTagsUnavailable, "bpf_x", null, "kernel BTF has no kfunc tags")], [], []);

    /// <summary>Kernels 1 (6.12, amd64), 2 (6.1, amd64), 3 (6.1, arm64); object 10 with programs p_ok and p_mixed.</summary>
    public static FakeDashboardApi Populated()
    {
        var api = new FakeDashboardApi();
        api.Kernels.AddRange([Kernel(1, "6.12.43+deb12-amd64"), Kernel(2, "6.1.0-47-amd64"), Kernel(3, "6.1.0-56-arm64", "arm64")]);
        api.Objects.Add(Object(10, "demo.bpf.o", Program("p_ok"), Program("p_mixed",
            new KfuncUse("bpf_missing_kfunc", false, [4], []), new KfuncUse("bpf_new_kfunc", true, [7], [5]))));
        api.Matrix = new MatrixReport(
            [new MatrixKernel("1", "6.12.43+deb12-amd64", ShaB), new MatrixKernel("2", "6.1.0-47-amd64", ShaB), new MatrixKernel("3", "6.1.0-56-arm64", ShaB)],
            [new MatrixObject("demo.bpf.o", ShaA,
            [
                new MatrixProgram("p_ok", "xdp", "xdp", [], [Loads("1"), Loads("2"), Loads("3")]),
                new MatrixProgram("p_mixed", "xdp", "xdp", [], [Degraded("1"), Fails("2"), Unknown("3")]),
            ])]);
        return api;
    }
}
