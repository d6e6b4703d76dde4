using CompatService.HostKernels;
using CompatService.Kernels;

namespace CompatService.Api.Commands;

/// <summary>
/// `dotnet CompatService.Api.dll import PATH [--label k=v]...`: imports kernels, with progress on a terminal (<see cref="ImportProgress"/>).
/// PATH may be a corpus-style directory of kernel directories (each with vmlinux.btf.gz, optional modules/*.btf.gz,
/// config.gz, kfuncs-btf_ids.txt ("name 0xflags") and info.json (release / arch / flavour / distro)), a directory
/// of kernel files in any uploadable form, or one file (e.g. /sys/kernel/btf/vmlinux).
/// </summary>
public static class ImportCommand
{
    /// <summary>What `import` was asked for (parsed by <see cref="ServiceCommands"/>).</summary>
    public sealed record Request(string Path, IReadOnlyDictionary<string, string> Labels, string? Release = null, string? Arch = null,
        string? Distro = null, string? Flavour = null);

    public static async Task<int> RunAsync(IServiceProvider services, Request request, CancellationToken ct = default)
    {
        var items = Enumerate(request.Path).ToList();
        if (items.Count == 0)
        {
            Console.Error.WriteLine($"nothing to import under {request.Path}");
            return 1;
        }
        int created = 0, existing = 0, failed = 0;
        await ImportProgress.RunAsync(items, async (item, report) =>
        {
            await using var scope = services.CreateAsyncScope();
            var store = scope.ServiceProvider.GetRequiredService<KernelStore>();
            var name = Path.GetFileName(item.TrimEnd('/'));
            try
            {
                var meta = new KernelUploadMeta(request.Release, request.Arch, request.Flavour, request.Distro, Labels: request.Labels, Source: item);
                var r = HostKernel.IsHostBtfPath(item) ? await ImportHostAsync(store, meta)
                    : Directory.Exists(item) ? await ImportCorpusDirAsync(store, item, request.Labels)
                    : await store.IngestAsync(await File.ReadAllBytesAsync(item, ct), item, meta, ct);
                if (r.Created) created++; else existing++;
                report(name, $"{(r.Created ? "stored" : "already stored")} as #{r.Kernel.Id} ({r.Kernel.KfuncCount} kfuncs)", true);
            }
            catch (Exception e) when (e is not (OperationCanceledException or Npgsql.NpgsqlException or TimeoutException))
            {
                failed++;
                report(name, "FAILED: " + e.Message, false);
            }
        });
        Console.Error.WriteLine($"import: {created} stored, {existing} already present, {failed} failed");
        return failed == 0 ? 0 : 1;
    }

    /// <summary>The running kernel, read by the one host reader (the agent's): BTF, modules, release, arch, distro, config.</summary>
    private static async Task<KernelStore.Result> ImportHostAsync(KernelStore store, KernelUploadMeta meta)
    {
        var host = HostKernel.Discover();
        return await store.IngestInputAsync(host.Source, host.BtfSha256, host.VmlinuxBtf.LongLength, host.VmlinuxPath, meta, default);
    }

    private static IEnumerable<string> Enumerate(string path)
    {
        if (HostKernel.IsHostBtfPath(path)) return [path];
        if (File.Exists(path)) return [path];
        if (!Directory.Exists(path)) return [];
        if (KernelDirectory.IsKernelDirectory(path)) return [path];
        var dirs = Directory.GetDirectories(path).Where(KernelDirectory.IsKernelDirectory).Order(StringComparer.Ordinal);
        var files = Directory.GetFiles(path).Where(f => !f.EndsWith(".json", StringComparison.Ordinal) && !f.EndsWith(".txt", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal);
        return dirs.Concat(files);
    }

    /// <summary>A corpus-style kernel directory, read by <see cref="KernelDirectory"/> (the reader the CLI uses too).</summary>
    public static async Task<KernelStore.Result> ImportCorpusDirAsync(KernelStore store, string dir, IReadOnlyDictionary<string, string> labels)
    {
        var source = KernelDirectory.Read(dir);
        var identity = await File.ReadAllBytesAsync(KernelDirectory.VmlinuxFile(dir)!);
        return await store.IngestInputAsync(source, Sha.Hex(identity), identity.LongLength, Path.GetFileName(dir),
            new KernelUploadMeta(Labels: labels, Source: dir), default);
    }
}
