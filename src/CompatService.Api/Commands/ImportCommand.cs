using CompatService.Api.Ingest;
using CompatService.Api.Mapping;
using CompatService.HostKernels;
using CompatService.Kernels;

namespace CompatService.Api.Commands;

/// <summary>
/// `dotnet CompatService.Api.dll import PATH [--label k=v]...`: imports kernels with a progress bar.
/// PATH may be a corpus-style directory of kernel directories (each with vmlinux.btf.gz, optional modules/*.btf.gz,
/// config.gz, kfuncs-btf_ids.txt ("name 0xflags") and info.json (release / arch / flavour / distro)), a directory
/// of kernel files in any uploadable form, or one file (e.g. /sys/kernel/btf/vmlinux).
/// </summary>
public static class ImportCommand
{
    public static async Task<int> RunAsync(IServiceProvider services, string[] args)
    {
        if (args.Length < 1)
        {
            Console.Error.WriteLine("usage: CompatService.Api import PATH [--label k=v]... [--release R] [--arch A] [--distro D] [--flavour F]");
            return 2;
        }
        var path = args[0];
        var labels = new Dictionary<string, string>();
        string? release = null, arch = null, distro = null, flavour = null;
        for (var i = 1; i + 1 < args.Length; i++)
        {
            switch (args[i])
            {
                case "--label": foreach (var kv in Labels.ParseQuery([args[++i]])) labels[kv.Key] = kv.Value; break;
                case "--release": release = args[++i]; break;
                case "--arch": arch = args[++i]; break;
                case "--distro": distro = args[++i]; break;
                case "--flavour": flavour = args[++i]; break;
            }
        }

        var items = Enumerate(path).ToList();
        if (items.Count == 0)
        {
            Console.Error.WriteLine($"nothing to import under {path}");
            return 1;
        }
        var bar = new ProgressBar(items.Count);
        int created = 0, existing = 0, failed = 0;
        foreach (var item in items)
        {
            await using var scope = services.CreateAsyncScope();
            var store = scope.ServiceProvider.GetRequiredService<KernelStore>();
            try
            {
                var meta = new KernelUploadMeta(release, arch, flavour, distro, Labels: labels, Source: item);
                var r = HostKernel.IsHostBtfPath(item) ? await ImportHostAsync(store, meta)
                    : Directory.Exists(item) ? await ImportCorpusDirAsync(store, item, labels)
                    : await store.IngestAsync(await File.ReadAllBytesAsync(item), item, meta, default);
                if (r.Created) created++; else existing++;
                bar.Step(Path.GetFileName(item.TrimEnd('/')), $"{(r.Created ? "stored" : "already stored")} as #{r.Kernel.Id} ({r.Kernel.KfuncCount} kfuncs)");
            }
            catch (Exception e)
            {
                failed++;
                bar.Step(Path.GetFileName(item.TrimEnd('/')), "FAILED: " + e.Message);
            }
        }
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
