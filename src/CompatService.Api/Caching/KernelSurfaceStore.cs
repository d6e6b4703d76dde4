using CompatService.Data;
using CompatService.Data.Entities;
using CompatService.Engine.Kernels.Surface;
using Npgsql;

namespace CompatService.Api.Caching;

/// <summary>Writes a kernel's surface (kernel_surfaces): one row per kernel, replaced when rebuilt.</summary>
public static class KernelSurfaceStore
{
    /// <summary>The row of a kernel being stored (ingest adds it in the kernel's transaction).</summary>
    public static KernelSurfaceEntity Row(KernelEntity kernel, KernelSurface surface, DateTimeOffset now) => new()
    {
        KernelId = kernel.Id, Format = KernelSurface.FormatVersion, KernelKey = EngineCache.KernelKey(kernel),
        Data = KernelSurfaceCodec.Encode(surface), ComputedAt = now,
    };

    /// <summary>
    /// Upserts the surface of kernel <paramref name="kernelId"/> computed from inputs <paramref name="kernelKey"/>. A kernel
    /// deleted meanwhile is not an error (nothing to store for it).
    /// </summary>
    public static async Task SaveAsync(CompatDbContext db, long kernelId, string kernelKey, KernelSurface surface, CancellationToken ct)
    {
        var data = KernelSurfaceCodec.Encode(surface);
        try
        {
            await db.Database.ExecuteSqlInterpolatedAsync($"""
                INSERT INTO kernel_surfaces (kernel_id, format, kernel_key, data, computed_at)
                VALUES ({kernelId}, {KernelSurface.FormatVersion}, {kernelKey}, {data}, {DateTimeOffset.UtcNow})
                ON CONFLICT (kernel_id) DO UPDATE SET format = excluded.format, kernel_key = excluded.kernel_key,
                    data = excluded.data, computed_at = excluded.computed_at
                """, ct);
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.ForeignKeyViolation)
        {
            // The kernel was deleted while its surface was being built.
        }
    }
}
