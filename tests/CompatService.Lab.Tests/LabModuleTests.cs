using System.Formats.Tar;
using System.IO.Compression;
using System.Text;
using CompatService.Engine.Elf;
using CompatService.Lab;
using CompatService.Tests.Shared;

namespace CompatService.Lab.Tests;

/// <summary>
/// Module kfuncs in the lab without a VM: from a small synthetic linux-image package (the ingestion fixtures' bzImage and
/// kfunc module foo_mod, plus made-up modules it depends on), the lab selects the kfunc-set module and everything it
/// depends on in dependency order (per .modinfo `depends=`, or modules.dep when the package ships one), decompresses
/// them, puts them into the initramfs with their insmod order, and predicts with the inserted modules' BTF.
/// </summary>
public sealed class LabModuleTests
{
    private const string Release = "6.99.0-1-cloud-amd64";
    private static string Ingest(string f) => Path.Combine(TestPaths.Fixtures, "ingest", f);

    /// <summary>foo_mod.ko (kfunc set, BTF) with a .modinfo naming its dependencies.</summary>
    private static byte[] FooMod(string depends)
    {
        var elf = ElfFile.Parse(File.ReadAllBytes(Ingest("foo_mod.ko")));
        return Ko($"name=foo_mod\0depends={depends}\0",
            (".BTF", elf.FindSection(".BTF")!.Data.ToArray()), (".BTF_ids", elf.FindSection(".BTF_ids")!.Data.ToArray()));
    }

    private static byte[] Package(bool modulesDep) => Deb(
    new List<(string, byte[])>
    {
        ($"./boot/vmlinuz-{Release}", File.ReadAllBytes(Ingest("bzImage.xz"))),
        ($"./boot/config-{Release}", "CONFIG_BPF_SYSCALL=y\n"u8.ToArray()),
        ($"./lib/modules/{Release}/kernel/u/unrelated.ko", Ko("name=unrelated\0depends=\0")),
        ($"./lib/modules/{Release}/kernel/z/dep-a.ko", Ko("name=dep_a\0softdep=pre: algo post: other\0depends=\0")),
        ($"./lib/modules/{Release}/kernel/c/algo-fast.ko", Ko("name=algo_fast\0alias=crypto-algo\0alias=algo\0depends=\0")),
        ($"./lib/modules/{Release}/kernel/c/algo_generic.ko", Ko("name=algo_generic\0alias=algo\0depends=\0")),
        ($"./lib/modules/{Release}/kernel/y/dep_b.ko.gz", Gzip(Ko("name=dep_b\0depends=dep-a\0"))),
        ($"./lib/modules/{Release}/kernel/x/foo_mod.ko", FooMod("dep_b,dep-a")),
    }.Concat(modulesDep ? [($"./lib/modules/{Release}/modules.dep",
            "kernel/x/foo_mod.ko: kernel/z/dep-a.ko\nkernel/z/dep-a.ko:\nkernel/y/dep_b.ko.gz: kernel/z/dep-a.ko\nkernel/u/unrelated.ko:\n"u8.ToArray())] : []));

    [Fact]
    public void Package_KfuncModuleAndItsDependencies_InDependencyOrder_Decompressed()
    {
        var deb = Package(modulesDep: false);
        var set = LabModules.FromPackage(deb, ["foo_mod"]);
        Assert.Equal(".modinfo depends", set.DependencySource);
        // dep_a's softdep "pre: algo" is an alias two modules provide: the generic one goes first (libcrc32c → crc32c_generic)
        Assert.Equal(["algo_generic", "dep_a", "dep_b", "foo_mod"], set.InOrder.Select(m => m.Name));
        Assert.Equal([false, false, false, true], set.InOrder.Select(m => m.KfuncSets));
        Assert.Equal(Ko("name=dep_b\0depends=dep-a\0"), set.InOrder[2].Ko); // .ko.gz decompressed
        Assert.Equal($"lib/modules/{Release}/kernel/y/dep_b.ko.gz", set.InOrder[2].PackagePath);
        Assert.Equal(["dep_b", "dep_a"], set.InOrder[3].DependsOn);
        Assert.Empty(set.Notes);
    }

    [Fact]
    public void ModulesDep_WhenShipped_DecidesTheGraph()
    {
        var set = LabModules.FromPackage(Package(modulesDep: true), ["foo_mod"]);
        Assert.Equal("modules.dep", set.DependencySource);
        Assert.Equal(["algo_generic", "dep_a", "foo_mod"], set.InOrder.Select(m => m.Name));
    }

    [Fact]
    public void Order_MissingDependencyAndCycleAreNoted_CountIsBounded()
    {
        var graph = new Dictionary<string, IReadOnlyList<string>> { ["a"] = ["b", "builtin"], ["b"] = ["a"], ["c"] = [] };
        var present = new Dictionary<string, string> { ["a"] = "a.ko", ["b"] = "b.ko", ["c"] = "c.ko" };
        var notes = new List<string>();
        Assert.Equal(["b", "a", "c"], LabModules.Order(["a", "c"], graph, present, notes, 8));
        Assert.Contains(notes, n => n.Contains("cycle at a", StringComparison.Ordinal));
        Assert.Contains(notes, n => n.Contains("a depends on builtin", StringComparison.Ordinal));
        Assert.Throws<LabException>(() => LabModules.Order(["a", "c"], graph, present, [], 2));
        Assert.Equal(["x", "y_z"], LabModules.ModinfoDepends("name=m\0depends=x,y-z\0vermagic=6.1\0"u8));
        Assert.Equal(["a", "b"], LabModules.ModinfoList("softdep=post: z pre: a b\0softdep=pre:\0"u8, "softdep=", pre: true));
    }

    [Fact]
    public void OversizedModule_IsNotInserted_AndSaysWhy()
    {
        var set = LabModules.FromPackage(Package(modulesDep: false), ["foo_mod"], new LabModuleLimits { MaxModuleBytes = 200 });
        Assert.DoesNotContain(set.InOrder, m => m.Name == "foo_mod");
        Assert.Contains(set.Notes, n => n.Contains("more than the limit of 200", StringComparison.Ordinal));
    }

    [Fact]
    public void LabImage_FromPackage_InsertsTheKfuncModules_InitramfsCarriesThemInOrder_PredictionSeesTheirBtf()
    {
        var dir = Directory.CreateTempSubdirectory("lab-modules-").FullName;
        try
        {
            var debPath = Path.Combine(dir, "linux-image-synthetic.deb");
            File.WriteAllBytes(debPath, Package(modulesDep: false));
            var kernel = LabKernelImage.Open(debPath, null);
            Assert.Equal(["algo_generic", "dep_a", "dep_b", "foo_mod"], kernel.Modules.InOrder.Select(m => m.Name));
            Assert.Empty(LabKernelImage.Open(debPath, null, modules: false).Modules.InOrder);

            File.WriteAllBytes(Path.Combine(dir, "busybox"), [1]);
            File.WriteAllBytes(Path.Combine(dir, "agent"), [2]);
            var options = new LabRunOptions { Image = debPath, Objects = [], Agent = Path.Combine(dir, "agent"), Busybox = Path.Combine(dir, "busybox") };
            using var ms = new MemoryStream();
            LabInitramfs.Write(ms, options, kernel.Release, kernel.Config, [new LabPlanEntry(0, "a.o", "0000-a.o", "p")],
                new Dictionary<string, byte[]> { ["0000-a.o"] = [1] }, LabArch.Amd64, kernel.Modules.InOrder);
            var entries = LabUnitTests.ReadCpio(ms.ToArray()).ToDictionary(e => e.Name, e => e.Data);
            Assert.Equal("00-algo_generic.ko algo_generic\n01-dep_a.ko dep_a\n02-dep_b.ko dep_b\n03-foo_mod.ko foo_mod\n",
                Encoding.UTF8.GetString(entries["lab/modules"]));
            Assert.Equal(kernel.Modules.InOrder[3].Ko, entries["lab/mod/03-foo_mod.ko"]);
            var init = Encoding.UTF8.GetString(entries["init"]);
            Assert.True(init.IndexOf("insmod \"/lab/mod/$file\"", StringComparison.Ordinal) is var i and > 0 && i < init.IndexOf("load --force", StringComparison.Ordinal),
                "init inserts the modules before loading");
            Assert.Contains("@@LAB-INSMOD $name $rc", init, StringComparison.Ordinal);

            // the prediction's kernel has the BTF of the modules really inserted, and only those
            Assert.Empty(kernel.GuestKernel().Modules);
            Assert.Equal(["foo_mod"], kernel.GuestKernel(["dep_a", "dep_b", "foo_mod"]).Modules.Select(m => m.Name));
            Assert.Equal("foo_mod", kernel.ModuleKfuncs(["foo_mod"])["bpf_mod_kfunc"]);
            Assert.Empty(kernel.ModuleKfuncs(["dep_a"]));
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    [Fact]
    public void Serial_InsmodLinesAreParsed_AFailureIsReportedNotFatal()
    {
        var plan = new[] { new LabPlanEntry(0, "a.o", "0000-a.o", "p") };
        var p = LabSerial.Parse("@@LAB-READY s r\n@@LAB-INSMOD nf_defrag_ipv4 0 \n@@LAB-INSMOD nf_conntrack 1 insmod: can't insert 'x': Unknown symbol in module \n" +
            "@@LAB-BEGIN 0\n{\"programs\":[{\"name\":\"p\",\"loaded\":true}]}\n@@LAB-STDERR 0\n@@LAB-END 0 0\n@@LAB-DONE\n", plan);
        Assert.Equal([new LabInsmod("nf_defrag_ipv4", 0, null), new LabInsmod("nf_conntrack", 1, "insmod: can't insert 'x': Unknown symbol in module")], p.Modules);
        Assert.Equal(LabStatus.Loaded, p.Programs[0].Status);
    }

    /// <summary>An ELF64 ET_REL x86-64 module with a .modinfo and the given sections (the layout of make_synthetic.py's elf64).</summary>
    internal static byte[] Ko(string modinfo, params (string Name, byte[] Data)[] more)
    {
        var sections = new List<(string Name, uint Type, byte[] Data)> { (".modinfo", 1, Encoding.ASCII.GetBytes(modinfo)) };
        sections.AddRange(more.Select(m => (m.Name, 1u, m.Data)));
        var names = new MemoryStream();
        names.WriteByte(0);
        var nameOff = new List<int>();
        foreach (var n in sections.Select(s => s.Name).Append(".shstrtab")) { nameOff.Add((int)names.Length); names.Write(Encoding.ASCII.GetBytes(n + "\0")); }
        sections.Add((".shstrtab", 3, names.ToArray()));
        var body = new MemoryStream();
        body.Write(new byte[64]);
        var placed = new List<(long Off, int Size)>();
        foreach (var s in sections)
        {
            while (body.Length % 8 != 0) body.WriteByte(0);
            placed.Add((body.Length, s.Data.Length));
            body.Write(s.Data);
        }
        while (body.Length % 8 != 0) body.WriteByte(0);
        var shoff = body.Length;
        var w = new BinaryWriter(body);
        w.Write(new byte[64]);
        for (var i = 0; i < sections.Count; i++)
        {
            w.Write((uint)nameOff[i]); w.Write(sections[i].Type); w.Write(sections[i].Type == 3 ? 0UL : 2UL); w.Write(0UL);
            w.Write((ulong)placed[i].Off); w.Write((ulong)placed[i].Size); w.Write(0u); w.Write(0u); w.Write(4UL); w.Write(0UL);
        }
        var a = body.ToArray();
        var h = new BinaryWriter(new MemoryStream(a));
        h.Write("\x7f"u8.ToArray()); h.Write("ELF"u8.ToArray()); h.Write(new byte[] { 2, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0 });
        h.Write((ushort)1); h.Write((ushort)62); h.Write(1u); h.Write(0UL); h.Write(0UL); h.Write((ulong)shoff); h.Write(0u);
        h.Write((ushort)64); h.Write((ushort)0); h.Write((ushort)0); h.Write((ushort)64);
        h.Write((ushort)(sections.Count + 1)); h.Write((ushort)sections.Count);
        return a;
    }

    internal static byte[] Deb(IEnumerable<(string Path, byte[] Data)> files)
    {
        using var tar = new MemoryStream();
        using (var writer = new TarWriter(tar, TarEntryFormat.Gnu, leaveOpen: true))
            foreach (var (path, data) in files)
                writer.WriteEntry(new GnuTarEntry(TarEntryType.RegularFile, path) { DataStream = new MemoryStream(data) });
        var ms = new MemoryStream();
        ms.Write("!<arch>\n"u8);
        foreach (var (name, data) in new[] { ("debian-binary", "2.0\n"u8.ToArray()), ("control.tar", Array.Empty<byte>()), ("data.tar", tar.ToArray()) })
        {
            ms.Write(Encoding.ASCII.GetBytes($"{name,-16}{0,-12}{0,-6}{0,-6}{"100644",-8}{data.Length,-10}`\n"));
            ms.Write(data);
            if (data.Length % 2 == 1) ms.WriteByte((byte)'\n');
        }
        return ms.ToArray();
    }

    private static byte[] Gzip(byte[] data)
    {
        using var ms = new MemoryStream();
        using (var gz = new GZipStream(ms, CompressionLevel.Optimal, leaveOpen: true)) gz.Write(data);
        return ms.ToArray();
    }
}
