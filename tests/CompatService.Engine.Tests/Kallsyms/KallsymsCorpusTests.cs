using System.IO.Compression;
using CompatService.Engine.Kernels;
using CompatService.Tests.Shared;
using CompatService.Kernels;
using Xunit.Abstractions;

namespace CompatService.Engine.Tests.Kallsyms;

/// <summary>The decoder on the real images of the corpus (skipped when the corpus is absent).</summary>
public class KallsymsCorpusTests(ITestOutputHelper output)
{
    public static TheoryData<string, string> Images => new()
    {
        { "debian-5.10.0-46-amd64", "vmlinuz" },
        { "debian-6.1.0-56-amd64", "vmlinuz" },
        { "debian-6.1.0-56-arm64", "Image.gz" },
        { "debian-6.12.117+deb12-amd64", "vmlinuz" },
        { "debian-7.2.13+deb14-amd64", "vmlinuz" },
    };

    private static readonly Dictionary<string, (KernelImage, KallsymsTable)> Decoded = [];

    private static (KernelImage Image, KallsymsTable Table) Decode(string dir, string file)
    {
        lock (Decoded)
        {
            if (Decoded.TryGetValue(dir, out var hit)) return hit;
            var image = KernelImage.Read(File.ReadAllBytes(KernelTestData.CorpusImage(dir, file)));
            var table = image.DecodeKallsyms(out var why) ?? throw new InvalidOperationException($"{dir}: {why}");
            return Decoded[dir] = (image, table);
        }
    }

    /// <summary>CONFIG_KALLSYMS_ALL from the corpus kernel's config, or null when the corpus has no config for it.</summary>
    private static bool? KallsymsAll(string dir)
    {
        if (!File.Exists(Path.Combine(KernelTestData.CorpusKernel(dir), "config.gz"))) return null;
        using var gz = new GZipStream(File.OpenRead(Path.Combine(KernelTestData.CorpusKernel(dir), "config.gz")), CompressionMode.Decompress);
        return new StreamReader(gz).ReadToEnd().Contains("\nCONFIG_KALLSYMS_ALL=y", StringComparison.Ordinal);
    }

    [CorpusTheory]
    [MemberData(nameof(Images))]
    public void Table_HasPlausibleCount_TheKnownNames_AndDataSymbolsExactlyWithKallsymsAll(string dir, string file)
    {
        var (_, table) = Decode(dir, file);
        output.WriteLine($"{table.Origin}; {table.Count} distinct names");

        Assert.InRange(table.EntryCount, 40_000, 400_000);
        Assert.True(table.HasAddresses, table.Origin);
        Assert.True(table.TryGet("_stext", out var stext) && stext.Type == 'T');
        Assert.True(table.TryGet("bpf_prog_load", out var f) && char.ToUpperInvariant(f.Type) == 'T');
        // Data symbols are there exactly with CONFIG_KALLSYMS_ALL (all or none of them where the config is not in the corpus).
        var all = KallsymsAll(dir) ?? table.Contains("linux_banner");
        foreach (var data in new[] { "bpf_prog_active", "runqueues", "init_task", "jiffies", "bpf_link_fops", "linux_banner" })
            Assert.True(table.Contains(data) == all, $"{data}: in kallsyms {table.Contains(data)}, CONFIG_KALLSYMS_ALL {all}");
        var release = dir["debian-".Length..];
        Assert.Equal(!release.StartsWith("5.", StringComparison.Ordinal) && !release.StartsWith("6.1.", StringComparison.Ordinal),
            table.Contains("bpf_task_acquire")); // a kfunc from 6.2
    }

    [CorpusTheory]
    [MemberData(nameof(Images))]
    public void EveryKfuncOfTheImage_IsATextSymbol(string dir, string file)
    {
        var (_, table) = Decode(dir, file);
        var kfuncs = KernelTestData.ExpectedKfuncs(dir).Select(k => k.Name).ToList();
        output.WriteLine($"{kfuncs.Count} kfuncs in .BTF_ids"); // none on 5.10 (no kfunc flags yet)
        var missing = kfuncs.Where(k => !table.TryGet(k, out var s) || "TtWw".IndexOf(s.Type) < 0).ToList();
        Assert.True(missing.Count == 0, $"{missing.Count} kfuncs not text symbols: {string.Join(", ", missing.Take(10))}");
    }

    [CorpusTheory]
    [MemberData(nameof(Images))]
    public void LinuxBannerAddress_IsWhereTheBannerSitsInTheImage(string dir, string file)
    {
        var (image, table) = Decode(dir, file);
        if (!table.TryGet("linux_banner", out var banner))
        {
            Assert.False(KallsymsAll(dir) ?? true); // arm64 6.1: a data symbol, absent without CONFIG_KALLSYMS_ALL
            return;
        }
        var at = image.Image.Span.IndexOf("Linux version "u8);
        while (at >= 0 && image.AddressOf(at) != banner.Address)
        {
            var next = image.Image.Span[(at + 1)..].IndexOf("Linux version "u8);
            at = next < 0 ? -1 : at + 1 + next;
        }
        Assert.True(at >= 0, $"no 'Linux version' string at linux_banner's address 0x{banner.Address:x}");
    }

    /// <summary>
    /// Structure against this host's /proc/kallsyms (6.18, text symbols only): the text names of the nearest corpus
    /// image (7.2) overlap it broadly and agree on the type letter where both have the name.
    /// </summary>
    [HostKallsymsFact]
    public void NearestImage_AgreesWithTheHostsKallsyms_OnNamesAndTypes()
    {
        var hostText = HostKallsymsFactAttribute.HostTextSymbols();
        var (_, table) = Decode("debian-7.2.13+deb14-amd64", "vmlinuz");

        var shared = hostText.Where(h => table.Contains(h.Key)).ToList();
        var sameType = shared.Count(h => table.TryGet(h.Key, out var s) && s.Type == h.Value);
        output.WriteLine($"host text names {hostText.Count}, in 7.2 image {shared.Count}, same type {sameType}");
        Assert.True(shared.Count > hostText.Count * 0.6, $"only {shared.Count} of {hostText.Count} host text names in the 7.2 image");
        Assert.True(sameType > shared.Count * 0.95, $"only {sameType} of {shared.Count} shared names have the host's type letter");
    }
}

/// <summary>Runs with the corpus and a readable /proc/kallsyms (≥ 10 000 vmlinux text symbols); skips naming what is missing.</summary>
public sealed class HostKallsymsFactAttribute : FactAttribute
{
    public HostKallsymsFactAttribute()
    {
        if (!TestPaths.HasCorpus) Skip = TestPaths.NoCorpusReason;
        else if (HostTextSymbols().Count < 10_000) Skip = "/proc/kallsyms is not readable here (or lists fewer than 10 000 text symbols)";
    }

    /// <summary>vmlinux text symbols (no [module]) whose name occurs once: name → type letter.</summary>
    public static Dictionary<string, char> HostTextSymbols()
    {
        try
        {
            return File.ReadLines("/proc/kallsyms").Select(l => l.Split(' ', '\t'))
                .Where(p => p.Length == 3 && p[1] is "T" or "t")
                .GroupBy(p => p[2]).Where(g => g.Count() == 1).ToDictionary(g => g.Key, g => g.First()[1][0]);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return [];
        }
    }
}
