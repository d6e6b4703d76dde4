using CompatService.Engine.Binary;
using CompatService.Kernels;

namespace CompatService.Api.Ingest;

/// <summary>Keeps the bootable image of a kernel uploaded as a bzImage/vmlinuz or a Debian package (the lab boots it).</summary>
public static class KernelImageStore
{
    /// <summary>
    /// "bzimage", "deb", "arm64-image" (an arm64 Image, raw or compressed like Debian's Image.gz / vmlinuz), or null when
    /// the upload is not something QEMU can boot (raw BTF, vmlinux ELF). A compressed upload is recognised by decoding
    /// its first 64 bytes only.
    /// </summary>
    public static string? BootableForm(ReadOnlyMemory<byte> upload)
    {
        var span = upload.Span;
        if (DebianPackage.IsDeb(span)) return "deb";
        if (KernelImage.IsBzImage(span)) return "bzimage";
        if (KernelImage.IsArm64Image(span)) return "arm64-image";
        return IsCompressedArm64Image(upload) ? "arm64-image" : null;
    }

    private static bool IsCompressedArm64Image(ReadOnlyMemory<byte> upload)
    {
        var kind = Compression.Detect(upload.Span);
        if (kind is CompressionKind.None or CompressionKind.Lz4Legacy) return false; // lz4-legacy decodes whole: not worth it here
        try
        {
            return Compression.Guard(kind, "kernel image", () =>
            {
                using var s = Compression.OpenLimited(kind, upload, 64, "kernel image head");
                var head = new byte[64];
                s.ReadExactly(head);
                return KernelImage.IsArm64Image(head);
            });
        }
        catch (Exception e) when (e is BpfFormatException or EndOfStreamException) { return false; }
    }

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
