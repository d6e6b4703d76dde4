using CompatService.Api.Matrix;
using CompatService.Api.Tests.Infrastructure;
using CompatService.Contracts;
using CompatService.Data.Entities;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace CompatService.Api.Tests.Matrix;

/// <summary>
/// The bulk cell write (issue 13): a binary COPY when no cell of the batch is stored yet, else the idempotent INSERT …
/// ON CONFLICT DO NOTHING; a stored cell is never replaced, and a batch that fails stores none of its rows.
/// </summary>
public sealed class CellWriterTests(ApiFactory api) : IClassFixture<ApiFactory>
{
    private async Task<(KernelEntity Kernel, List<ObjectEntity> Objects)> SeedAsync()
    {
        using var c = api.Writer();
        Assert.True((await c.PostAsync(ApiRoutes.Kernels, Multipart.File(TinyBtf.Build(["bpf_writer_a", $"bpf_writer_{Guid.NewGuid():N}"]), "vmlinux"))).IsSuccessStatusCode);
        foreach (var f in new[] { "xdp_pass", "socket_filter_map", "kfunc_strong_missing" })
            await c.PostAsync(ApiRoutes.Objects, Multipart.File(Files.Fixture(f), f + ".o"));
        await using var db = api.NewDb();
        var k = await db.Kernels.AsNoTracking().OrderByDescending(x => x.Id).FirstAsync();
        var objects = await db.Objects.AsNoTracking().OrderBy(o => o.Id).Take(3).ToListAsync();
        Assert.Equal(3, objects.Count);
        await db.MatrixCells.Where(x => x.KernelId == k.Id).ExecuteDeleteAsync();
        return (k, objects);
    }

    private static MatrixCellEntity Cell(KernelEntity k, ObjectEntity o, string verdict, long? objectId = null) => new()
    {
        ObjectId = objectId ?? o.Id, KernelId = k.Id, ObjectSha256 = o.Sha256, KernelSha256 = k.Sha256, EngineVersion = CellComputer.EngineVersion,
        Verdict = verdict, ResultsJson = "[{\"name\":\"p\",\"result\":{\"verdict\":\"" + verdict + "\"}}]", ReasonCodesJson = "[]",
        DisabledPathCount = 0, ComputedAt = DateTimeOffset.UtcNow,
    };

    private async Task<Dictionary<long, string>> StoredAsync(long kernelId)
    {
        await using var db = api.NewDb();
        return await db.MatrixCells.AsNoTracking().Where(x => x.KernelId == kernelId).ToDictionaryAsync(x => x.ObjectId, x => x.Verdict);
    }

    private async Task WriteAsync(IReadOnlyList<MatrixCellEntity> cells, bool inTransaction = false)
    {
        await using var conn = new NpgsqlConnection(api.ConnectionString);
        await conn.OpenAsync();
        await CellWriter.WriteAsync(conn, inTransaction, cells, CancellationToken.None);
    }

    [PgTheory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task WritingTwice_KeepsTheStoredCells_AndAddsOnlyTheNewOnes(bool inTransaction)
    {
        var (k, o) = await SeedAsync();
        await WriteAsync([Cell(k, o[0], "loads"), Cell(k, o[1], "fails")], inTransaction);
        Assert.Equal(new Dictionary<long, string> { [o[0].Id] = "loads", [o[1].Id] = "fails" }, await StoredAsync(k.Id));

        // the same pairs again with other verdicts (a second worker after an expired lease) plus a new pair
        await WriteAsync([Cell(k, o[0], "unknown"), Cell(k, o[1], "unknown"), Cell(k, o[2], "unknown")], inTransaction);
        Assert.Equal(new Dictionary<long, string> { [o[0].Id] = "loads", [o[1].Id] = "fails", [o[2].Id] = "unknown" }, await StoredAsync(k.Id));
    }

    [PgTheory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task AFailingBatch_StoresNoneOfItsRows(bool inTransaction)
    {
        var (k, o) = await SeedAsync();
        // the last row names an object that does not exist: its foreign key fails the statement
        var bad = new[] { Cell(k, o[0], "loads"), Cell(k, o[1], "loads"), Cell(k, o[2], "loads", objectId: long.MaxValue) };
        var e = await Assert.ThrowsAsync<PostgresException>(() => WriteAsync(bad, inTransaction));
        Assert.Equal(PostgresErrorCodes.ForeignKeyViolation, e.SqlState);
        Assert.Empty(await StoredAsync(k.Id));

        // also when the COPY was refused for a stored cell and the INSERT then fails
        await WriteAsync([Cell(k, o[0], "fails")]);
        await Assert.ThrowsAsync<PostgresException>(() => WriteAsync(bad, inTransaction));
        Assert.Equal(new Dictionary<long, string> { [o[0].Id] = "fails" }, await StoredAsync(k.Id));
    }
}
