using System.Net.Http.Json;
using System.Text.Json;
using CompatService.Api.Caching;
using CompatService.Api.Options;
using CompatService.Api.Tests.Infrastructure;
using CompatService.Contracts;
using CompatService.Engine;
using CompatService.Engine.Kernels.Surface;
using CompatService.Reporting;
using CompatService.Tests.Shared;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace CompatService.Api.Tests.Kernels;

/// <summary>
/// The kernel's compact surface in the service (issue 13 §2), on the real test PostgreSQL with a committed fixture kernel:
/// stored at ingest with the kernel; cells of objects without CO-RE computed from it equal the engine's verdicts on the
/// full BTF (and CO-RE objects still open the full BTF); a kernel stored before surfaces existed, or changed since, gets
/// its surface built and stored on first use.
/// </summary>
public sealed class KernelSurfaceStoreTests(ApiFactory api) : IClassFixture<ApiFactory>
{
    private const string Dir = "debian-6.12.117+deb13-amd64";
    private const string Release = "6.12.117+deb13-amd64";
    private static string KernelFile => KernelFileOf(Dir);
    private static string KernelFileOf(string dir) => Path.Combine(TestPaths.Fixtures, "kernels", dir, "vmlinux.btf.gz");

    [PgFact]
    public async Task Ingest_StoresTheSurface_AndCellsFromItEqualTheFullBtf()
    {
        using var c = api.Writer();
        var r = await c.PostAsync(ApiRoutes.Kernels, Multipart.File(File.ReadAllBytes(KernelFile), "vmlinux.btf.gz", ("release", Release)));
        Assert.True(r.IsSuccessStatusCode, await r.Content.ReadAsStringAsync());
        var kernel = (await r.Content.ReadFromJsonAsync<KernelDto>())!;
        await using (var db = api.NewDb())
        {
            var row = await db.KernelSurfaces.SingleAsync(s => s.KernelId == kernel.Id);
            Assert.Equal(KernelSurface.FormatVersion, row.Format);
            Assert.True(KernelSurfaceCodec.IsCurrent(row.Data));
            Assert.Equal(EngineCache.KernelKey(await db.Kernels.Include(k => k.Modules).SingleAsync(k => k.Id == kernel.Id)), row.KernelKey);
        }

        string[] names = ["kfunc_weak_present", "kfunc_strong_missing", "ksym_exists_present", "helper_enum_guard", "core_kinds"];
        foreach (var n in names)
            (await c.PostAsync(ApiRoutes.Objects, Multipart.File(Files.Fixture(n), n + ".o"))).EnsureSuccessStatusCode();
        var before = MatrixProfileSurfaceCells();
        var matrix = (await c.GetFromJsonAsync<MatrixReport>($"{ApiRoutes.Matrix}?format=json", ContractJson.Options))!;
        Assert.True(MatrixProfileSurfaceCells() - before >= 4, "the objects without CO-RE were not computed from the surface");

        var full = CompatEngine.OpenKernel(File.ReadAllBytes(KernelFile), release: Release);
        var label = kernel.Id.ToString(System.Globalization.CultureInfo.InvariantCulture);
        foreach (var n in names)
        {
            var obj = CompatEngine.OpenObject(Files.Fixture(n));
            var expected = CompatEngine.Check(obj, full, label).ToContract();
            var row = matrix.Objects.Single(o => o.Sha256 == Files.Sha(Files.Fixture(n)));
            var actual = row.Programs.Select(p => p.Results.Single(x => x.Kernel == label)).ToList();
            Assert.Equal(JsonSerializer.Serialize(expected, ContractJson.Options), JsonSerializer.Serialize(actual, ContractJson.Options));
        }
    }

    [PgFact]
    public async Task KernelWithoutStoredSurface_GetsItOnFirstUse_AndAChangedKernelGetsItRebuilt()
    {
        // another kernel than the test above: this one's release is changed below
        using var c = api.Writer();
        var file = KernelFileOf("debian-6.1.0-47-amd64");
        var r = await c.PostAsync(ApiRoutes.Kernels, Multipart.File(File.ReadAllBytes(file), "vmlinux.btf.gz", ("release", "6.1.0-47-amd64")));
        var id = (await r.Content.ReadFromJsonAsync<KernelDto>())!.Id;
        await using var db = api.NewDb();
        await db.KernelSurfaces.Where(s => s.KernelId == id).ExecuteDeleteAsync(); // as a database from before surfaces

        var cache = new EngineCache(api.Service<IOptions<CompatOptions>>()); // a fresh process: nothing in memory
        var entity = await db.Kernels.AsNoTracking().Include(k => k.Modules).SingleAsync(k => k.Id == id);
        var surface = await cache.SurfaceAsync(db, entity, default);
        var full = CompatEngine.OpenKernel(File.ReadAllBytes(file), release: "6.1.0-47-amd64");
        Assert.Equal(full.Enums.Helpers, surface.Enums.Helpers);
        Assert.Equal(full.Enums.ProgramTypes, surface.Enums.ProgramTypes);
        var row = await db.KernelSurfaces.AsNoTracking().SingleAsync(s => s.KernelId == id);
        Assert.Equal(EngineCache.KernelKey(entity), row.KernelKey);

        // the kernel changed (a release filled in later): its stored surface no longer matches and is rebuilt
        await db.Kernels.Where(k => k.Id == id).ExecuteUpdateAsync(s => s.SetProperty(k => k.Release, "6.1.0-47-other"));
        var changed = await db.Kernels.AsNoTracking().Include(k => k.Modules).SingleAsync(k => k.Id == id);
        var rebuilt = await new EngineCache(api.Service<IOptions<CompatOptions>>()).SurfaceAsync(db, changed, default);
        Assert.Equal("6.1.0-47-other", rebuilt.Descriptor.Release);
        Assert.Equal(EngineCache.KernelKey(changed), (await db.KernelSurfaces.AsNoTracking().SingleAsync(s => s.KernelId == id)).KernelKey);

        // `migrate --surfaces` fills a missing one (scripts/fleet.sh after its SQL copies; an upgraded database)
        await db.KernelSurfaces.Where(s => s.KernelId == id).ExecuteDeleteAsync();
        Assert.Equal(0, await Commands.MigrateCommand.RunAsync(api.Services, surfaces: true));
        var filled = await db.KernelSurfaces.AsNoTracking().SingleAsync(s => s.KernelId == id);
        Assert.Equal(EngineCache.KernelKey(changed), filled.KernelKey);
        Assert.Equal(changed.Sha256, KernelSurfaceCodec.Decode(filled.Data).Descriptor.BtfSha256);

        // the diff reads the stored surfaces' enums
        var diff = await c.GetFromJsonAsync<KernelDiffDto>($"/api/kernels/{id}/diff/{id}", ContractJson.Options);
        Assert.NotNull(diff!.Helpers);
        Assert.Empty(diff.Helpers!.Added);
    }

    private static long MatrixProfileSurfaceCells() =>
        long.Parse(MatrixProfile.Describe((0, 0, 0)).Split(' ').Single(p => p.StartsWith("surface_cells=", StringComparison.Ordinal))["surface_cells=".Length..],
            System.Globalization.CultureInfo.InvariantCulture);
}
