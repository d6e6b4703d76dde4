using System.Net;
using System.Net.Http.Json;
using CompatService.Api.Tests.Infrastructure;
using CompatService.Contracts;
using CompatService.Engine.Analysis;
using Verdict = CompatService.Contracts.Verdict;
using CompatService.Engine.Kernels;
using CompatService.Tests.Shared;

namespace CompatService.Api.Tests.Objects;

/// <summary>
/// GET /api/objects/{id}/requirements and the kernel diff's BPF surface, on the real test PostgreSQL with the committed
/// fixture kernels (raw BTF as uploaded by a user, named by form fields): the same minimum kernel the CLI computes.
/// </summary>
public sealed class ObjectRequirementsApiTests(ApiFactory api) : IClassFixture<ApiFactory>
{
    private static string KernelFile(string dir) => Path.Combine(TestPaths.Fixtures, "kernels", dir, "vmlinux.btf.gz");

    private static async Task<KernelDto> UploadKernelAsync(HttpClient c, string dir, string release)
    {
        var r = await c.PostAsync(ApiRoutes.Kernels, Multipart.File(File.ReadAllBytes(KernelFile(dir)), "vmlinux.btf.gz",
            ("release", release), ("arch", "amd64"), ("distro", "debian"), ("flavour", "amd64")));
        Assert.True(r.IsSuccessStatusCode, await r.Content.ReadAsStringAsync());
        return (await r.Content.ReadFromJsonAsync<KernelDto>())!;
    }

    [PgFact]
    public async Task Requirements_AndMinimumKernelPerStream_FromTheStoredMatrix()
    {
        using var c = api.Writer();
        var k61 = await UploadKernelAsync(c, "debian-6.1.0-47-amd64", "6.1.0-47-amd64");
        var k612 = await UploadKernelAsync(c, "debian-6.12.117+deb13-amd64", "6.12.117+deb13-amd64");
        var k72 = await UploadKernelAsync(c, "debian-7.2.13+deb14-amd64", "7.2.13+deb14-amd64");
        var o = (await (await c.PostAsync(ApiRoutes.Objects, Multipart.File(Files.Fixture("ksym_exists_present"), "ksym_exists_present.o")))
            .Content.ReadFromJsonAsync<ObjectDto>())!;

        var r = await c.GetAsync(ApiRoutes.ObjectRequirements.Replace("{id}", o.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        var dto = (await r.Content.ReadFromJsonAsync<ObjectRequirementsDto>())!;
        var p = Assert.Single(dto.Programs);
        Assert.Equal("BPF_PROG_TYPE_SCHED_CLS", p.Requirements!.ProgramTypeEnum);
        var kfunc = Assert.Single(p.Requirements.Kfuncs);
        Assert.True(kfunc.Weak && kfunc.Guarded);
        Assert.Equal("v1", p.Requirements.Isa.Cpu);

        var min = Assert.Single(dto.MinimumKernels);
        Assert.Equal("ksym_exists_present", min.Program);
        // other tests of this class fixture may add kernels of other streams: take this one
        var stream = min.Streams.Single(s => s is { Distro: "debian", Arch: "amd64", Flavour: "amd64" });
        Assert.Equal(k612.Id.ToString(System.Globalization.CultureInfo.InvariantCulture), stream.OldestLoads!.Id);
        Assert.Equal(k72.Release, stream.Newest.Release);
        Assert.Equal((k61.Release, Verdict.Fails), (stream.Before!.Release, stream.Before.Verdict));
        Assert.Equal(ReasonCodes.KsymExistsUnsupported, Assert.Single(stream.Before.Needs).Code);

        Assert.Equal(HttpStatusCode.NotFound, (await c.GetAsync(ApiRoutes.ObjectRequirements.Replace("{id}", "987654321"))).StatusCode);
        // the object's own endpoint is unchanged: no requirements field
        Assert.DoesNotContain("\"requirements\"", await c.GetStringAsync($"/api/objects/{o.Id}"));
    }

    [PgFact]
    public async Task KernelDiff_ShowsHelpersProgramAndMapTypesAddedAndRemoved_FromTheKernelsOwnEnums()
    {
        using var c = api.Writer();
        var k61 = await UploadKernelAsync(c, "debian-6.1.0-47-amd64", "6.1.0-47-amd64");
        var k72 = await UploadKernelAsync(c, "debian-7.2.13+deb14-amd64", "7.2.13+deb14-amd64");
        var diff = (await c.GetFromJsonAsync<KernelDiffDto>($"/api/kernels/{k61.Id}/diff/{k72.Id}"))!;

        var from = CompatService.Kernels.KernelInput.Load(KernelFile("debian-6.1.0-47-amd64")).Btf.Enums;
        var to = CompatService.Kernels.KernelInput.Load(KernelFile("debian-7.2.13+deb14-amd64")).Btf.Enums;
        var expected = KernelSurfaceDiff.Of(from, to);
        Assert.Equal(expected.Helpers!.Added.Select(v => v.Name), diff.Helpers!.Added.Select(e => e.EnumName));
        Assert.Equal(expected.MapTypes!.Added.Select(v => v.Name), diff.MapTypes!.Added.Select(e => e.EnumName));
        Assert.Equal(expected.ProgramTypes!.Added.Select(v => v.Name), diff.ProgramTypes!.Added.Select(e => e.EnumName));
        // facts of these releases: arena maps (6.9) and netfilter programs (6.4) are new since 6.1; helpers are append-only
        Assert.Contains(diff.MapTypes.Added, e => e is { Name: "arena", EnumName: "BPF_MAP_TYPE_ARENA" });
        Assert.Contains(diff.ProgramTypes.Added, e => e.Name == "netfilter");
        Assert.Contains(diff.Helpers.Added, e => e.Name == "bpf_cgrp_storage_get" && e.Value == 210);
        Assert.Empty(diff.Helpers.Removed);
        Assert.NotNull(diff.AttachTypes);
    }
}
