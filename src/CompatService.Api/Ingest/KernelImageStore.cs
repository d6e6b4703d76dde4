using CompatService.Kernels;

namespace CompatService.Api.Ingest;

/// <summary>Keeps the bootable image of a kernel uploaded as a bzImage/vmlinuz or a Debian package (the lab boots it).</summary>
public static class KernelImageStore
{
    /// <summary>"bzimage", "deb", or null when the upload is not something QEMU can boot (raw BTF, vmlinux ELF, arm64 Image).</summary>
    public static string? BootableForm(ReadOnlySpan<byte> upload) =>
        DebianPackage.IsDeb(upload) ? "deb" : KernelImage.IsBzImage(upload) ? "bzimage" : null;

    /// <summary>Stores the image for the kernel unless it already has one.</summary>
    public static async Task KeepAsync(CompatDbContext db, long kernelId, byte[] upload, string? fileName, CancellationToken ct)
    {
        if (BootableForm(upload) is not { } form) return;
        if (await db.KernelImages.AnyAsync(i => i.KernelId == kernelId, ct)) return;
        db.KernelImages.Add(new KernelImageEntity
        {
            KernelId = kernelId, Form = form, FileName = fileName is { Length: > 512 } f ? f[..512] : fileName, Sha256 = Sha.Hex(upload),
            Size = upload.LongLength, Data = upload, CreatedAt = DateTimeOffset.UtcNow,
        });
        try { await db.SaveChangesAsync(ct); }
        catch (DbUpdateException e) when (UniqueViolation.Is(e)) { /* a concurrent upload kept it first */ }
        finally { db.ChangeTracker.Clear(); }
    }
}
