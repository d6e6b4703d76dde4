using System.Data;
using System.Text;
using CompatService.Data;
using CompatService.Data.Entities;
using Microsoft.EntityFrameworkCore.Metadata;
using Npgsql;
using NpgsqlTypes;

namespace CompatService.Api.Caching;

/// <summary>
/// Everything a parsed kernel is made of — the vmlinux BTF, its modules' BTF in load order, the image's kallsyms and the
/// config text — read in ONE round trip, streamed (CommandBehavior.SequentialAccess) straight into arrays of the stored
/// size. The EF reads it replaced took four round trips and buffered each multi-MiB row before copying it out (two
/// large-object-heap arrays per blob): scripts/bench/blob-fetch.cs measures both ways on a fleet database.
/// </summary>
public static class KernelBlobReader
{
    public sealed record Parts(byte[] Vmlinux, List<KeyValuePair<string, ReadOnlyMemory<byte>>> Modules, byte[]? Kallsyms, string? Config);

    private static string? _sql;

    /// <summary>
    /// The one statement, its table and column names read from the EF model. No ORDER BY: sorting would materialise the
    /// blobs; the modules' ordinals come along and are sorted here.
    /// </summary>
    private static string Sql(IModel m)
    {
        if (_sql is not null) return _sql;
        string blobs = m.Table<KernelBlobEntity>(), modules = m.Table<KernelModuleEntity>(), configs = m.Table<KernelConfigEntity>();
        string sha = m.Column<KernelBlobEntity>(nameof(BlobEntity.Sha256)), data = m.Column<KernelBlobEntity>(nameof(BlobEntity.Data));
        string ordinal = m.Column<KernelModuleEntity>(nameof(KernelModuleEntity.Ordinal)),
            name = m.Column<KernelModuleEntity>(nameof(KernelModuleEntity.Name)),
            blob = m.Column<KernelModuleEntity>(nameof(KernelModuleEntity.BlobSha256)),
            moduleKernel = m.Column<KernelModuleEntity>(nameof(KernelModuleEntity.KernelId));
        string text = m.Column<KernelConfigEntity>(nameof(KernelConfigEntity.Text)),
            configKernel = m.Column<KernelConfigEntity>(nameof(KernelConfigEntity.KernelId));
        return _sql = $"""
            SELECT 0, 0, NULL::text, b.{data} FROM {blobs} b WHERE b.{sha} = @sha
            UNION ALL
            SELECT 1, m.{ordinal}, m.{name}, b.{data} FROM {modules} m JOIN {blobs} b ON b.{sha} = m.{blob} WHERE m.{moduleKernel} = @k
            UNION ALL
            SELECT 2, 0, NULL, b.{data} FROM {blobs} b WHERE @hasKallsyms AND b.{sha} = @ksha
            UNION ALL
            SELECT 3, 0, NULL, convert_to(c.{text}, 'UTF8') FROM {configs} c WHERE @hasConfig AND c.{configKernel} = @k
            """;
    }

    public static async Task<Parts> ReadAsync(CompatDbContext db, KernelEntity k, CancellationToken ct)
    {
        var conn = (NpgsqlConnection)db.Database.GetDbConnection();
        if (conn.State != ConnectionState.Open) await db.Database.OpenConnectionAsync(ct);
        await using var cmd = new NpgsqlCommand(Sql(db.Model), conn);
        // character(64) parameters, so the comparisons use the sha256 primary key index
        cmd.Parameters.Add(new NpgsqlParameter("sha", NpgsqlDbType.Char) { Value = k.Sha256 });
        cmd.Parameters.Add(new NpgsqlParameter("ksha", NpgsqlDbType.Char) { Value = k.KallsymsSha256 ?? "" });
        cmd.Parameters.AddWithValue("k", k.Id);
        cmd.Parameters.AddWithValue("hasKallsyms", k.KallsymsSha256 is not null);
        cmd.Parameters.AddWithValue("hasConfig", k.HasConfig);
        byte[]? vmlinux = null, kallsyms = null;
        string? config = null;
        var modules = new List<(int Ordinal, string Name, byte[] Data)>();
        await using (var r = await cmd.ExecuteReaderAsync(CommandBehavior.SequentialAccess, ct))
        {
            while (await r.ReadAsync(ct))
            {
                var part = r.GetInt32(0);
                var ordinal = r.GetInt32(1);
                var name = await r.IsDBNullAsync(2, ct) ? null : r.GetString(2);
                var data = await ReadBytesAsync(r, ct);
                switch (part)
                {
                    case 0: vmlinux = data; break;
                    case 1: modules.Add((ordinal, name!, data)); break;
                    case 2: kallsyms = data; break;
                    default: config = Encoding.UTF8.GetString(data); break;
                }
            }
        }
        if (vmlinux is null) throw new InvalidOperationException($"kernel {k.Id}: its vmlinux blob {k.Sha256} is not stored");
        if (k.KallsymsSha256 is not null && kallsyms is null) throw new InvalidOperationException($"kernel {k.Id}: its kallsyms blob is not stored");
        return new Parts(vmlinux, modules.OrderBy(m => m.Ordinal)
            .Select(m => new KeyValuePair<string, ReadOnlyMemory<byte>>(m.Name, m.Data)).ToList(), kallsyms, config);
    }

    private static async Task<byte[]> ReadBytesAsync(NpgsqlDataReader r, CancellationToken ct)
    {
        await using var s = await r.GetStreamAsync(3, ct);
        var data = new byte[s.Length];
        await s.ReadExactlyAsync(data, ct);
        return data;
    }
}
