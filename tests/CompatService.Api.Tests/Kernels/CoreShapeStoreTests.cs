using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using CompatService.Api.Caching;
using CompatService.Api.Matrix;
using CompatService.Api.Options;
using CompatService.Api.Tests.Infrastructure;
using CompatService.Contracts;
using CompatService.Data;
using CompatService.Engine;
using CompatService.Engine.Kernels.Surface;
using CompatService.Tests.Shared;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace CompatService.Api.Tests.Kernels;

/// <summary>
/// Stored CO-RE shapes in the service (issue 13), on the real test PostgreSQL with committed fixture kernels: a batch that
/// opens a full kernel stores the shapes of its objects' roots; a second CO-RE object with those roots on that kernel, and
/// every such object on a kernel ingested afterwards (ingest stores the shapes of every root known), is computed from
/// the surface plus shapes — no full kernel opened (a fresh process's kernel cache stays empty) — with the cells of the
/// full kernel.
/// </summary>
public sealed class CoreShapeStoreTests(ApiFactory api) : IClassFixture<ApiFactory>
{
    private static readonly CoreRoot FuncIds = new("bpf_func_id", Engine.Btf.BtfKind.Enum);

    [PgFact]
    public async Task SecondCoreObject_AndKernelIngestedLater_OpenNoFullKernel()
    {
        using var c = api.Writer();
        var first = await UploadKernelAsync(c, "debian-6.12.117+deb13-amd64", "6.12.117+deb13-amd64");
        var a = Files.Fixture("helper_enum_guard");
        var b = Files.Fixture("helper_enum_guard", "bpfeb");
        foreach (var o in new[] { a, b })
            (await c.PostAsync(ApiRoutes.Objects, Multipart.File(o, "helper_enum_guard.o"))).EnsureSuccessStatusCode();

        // the first CO-RE object opens the full kernel (unless a worker got there first) and stores its roots' shapes
        await ComputeAsync(first, a);
        await using (var db = api.NewDb())
        {
            var row = await db.KernelCoreShapes.AsNoTracking().SingleAsync(s => s.KernelId == first && s.Root == FuncIds.Key);
            Assert.Equal(CoreShape.FormatVersion, row.Format);
            Assert.True(await db.CoreSlices.AnyAsync(s => s.Hash == row.SliceHash));
        }
        var loads = MatrixProfile.KernelLoads;
        Assert.Equal(0, await ComputeAsync(first, b));

        // a kernel ingested now gets the shapes of every known root: no CO-RE object with those roots opens it
        var later = await UploadKernelAsync(c, "debian-6.1.0-47-amd64", "6.1.0-47-amd64");
        await using (var db = api.NewDb())
            Assert.True(await db.KernelCoreShapes.AnyAsync(s => s.KernelId == later && s.Root == FuncIds.Key && s.SliceHash != null));
        Assert.Equal(0, await ComputeAsync(later, a, b));
        Assert.True(MatrixProfile.KernelLoads >= loads); // the process-wide counter (other tests may load kernels meanwhile)
    }

    private static async Task<long> UploadKernelAsync(HttpClient c, string dir, string release)
    {
        var file = Path.Combine(TestPaths.Fixtures, "kernels", dir, "vmlinux.btf.gz");
        var r = await c.PostAsync(ApiRoutes.Kernels, Multipart.File(File.ReadAllBytes(file), "vmlinux.btf.gz", ("release", release)));
        Assert.True(r.IsSuccessStatusCode, await r.Content.ReadAsStringAsync());
        return (await r.Content.ReadFromJsonAsync<KernelDto>())!.Id;
    }

    /// <summary>
    /// Computes the objects' cells on the kernel in a fresh process's cache, asserts each equals the engine's verdicts on the
    /// full kernel, and returns how many full kernels that cache opened.
    /// </summary>
    private async Task<int> ComputeAsync(long kernelId, params byte[][] objects)
    {
        await using var db = api.NewDb();
        var options = api.Service<IOptions<CompatOptions>>();
        var cache = new EngineCache(options);
        var computer = new CellComputer(db, cache, options, NullLogger<CellComputer>.Instance);
        var k = await db.Kernels.AsNoTracking().Include(x => x.Modules).SingleAsync(x => x.Id == kernelId);
        var shas = objects.Select(Files.Sha).ToList();
        var entities = await db.Objects.AsNoTracking().Where(o => shas.Contains(o.Sha256)).OrderBy(o => o.Id).ToListAsync();
        await db.MatrixCells.Where(x => x.KernelId == kernelId && shas.Contains(x.ObjectSha256)).ExecuteDeleteAsync();
        var cells = await computer.ComputeBatchAsync(k, entities, default);
        var opened = cache.KernelStats.Count;
        var full = await new EngineCache(options).KernelAsync(db, k, default);
        var label = kernelId.ToString(CultureInfo.InvariantCulture);
        foreach (var cell in cells)
        {
            var obj = CompatEngine.OpenObject(objects[shas.IndexOf(cell.ObjectSha256)]);
            var expected = CellComputer.Evaluate(obj, full, label, options.Value.Budget.ForJob(default));
            Assert.Equal(JsonSerializer.Serialize(expected, ContractJson.Options), cell.ResultsJson);
        }
        Assert.Equal(objects.Length, cells.Count);
        return opened;
    }
}
