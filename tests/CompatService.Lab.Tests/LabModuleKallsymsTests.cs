using CompatService.Engine.Elf;
using CompatService.Engine.Kernels;
using CompatService.Lab;
using CompatService.Tests.Shared;

namespace CompatService.Lab.Tests;

/// <summary>
/// Which symbols of an inserted module the guest's /proc/kallsyms lists (what libbpf resolves a typeless ksym from),
/// read from a clang-built module-shaped object (tests/fixtures/lab/kallsyms_mod.c, one symbol per kind of section),
/// and when the lab declines to say (the answer stays with the image's table: a missing name is unknown).
/// </summary>
public sealed class LabModuleKallsymsTests
{
    private const string AllConfig = "CONFIG_KALLSYMS=y\nCONFIG_KALLSYMS_ALL=y\nCONFIG_MODULE_UNLOAD=y\n";
    private static byte[] Ko(string name = "kallsyms_mod.ko") => File.ReadAllBytes(Path.Combine(TestPaths.Fixtures, "lab", name));
    private static LabModule Module(byte[] ko, string name = "kallsyms_mod") => new(name, $"lib/modules/x/{name}.ko", ko, true, []);

    private static KallsymsTable Image() => KallsymsTable.Build(
        [("vmlinux_fn", 'T', 0xffffffff81000000), ("kmod_global_fn", 't', 0xffffffff81000100), ("twice", 't', 0xffffffff81000200),
         ("twice", 't', 0xffffffff81000300)], "image kallsyms: test");

    private static Dictionary<string, char> Core(bool all, bool unload) =>
        LabModuleKallsyms.CoreSymbols(ElfFile.Parse(Ko()), all, unload).ToDictionary(s => s.Name, s => s.Type);

    [Fact]
    public void CoreSymbols_KallsymsAll_TextDataRodataBssPercpuAndExit_NoInitModinfoOrFile()
    {
        Assert.Equal(new Dictionary<string, char>
        {
            ["kmod_static_fn"] = 't', ["kmod_global_fn"] = 'T', ["kmod_weak_fn"] = 'w', ["kmod_exit_fn"] = 'T',
            ["kmod_data"] = 'D', ["kmod_rodata"] = 'R', ["kmod_bss"] = 'B', ["kmod_percpu"] = 'A',
        }, Core(all: true, unload: true));
    }

    [Fact]
    public void CoreSymbols_WithoutKallsymsAll_TextOnly_AndWithoutModuleUnload_NoExitText()
    {
        Assert.Equal(["kmod_exit_fn", "kmod_global_fn", "kmod_static_fn", "kmod_weak_fn"], Core(all: false, unload: true).Keys.Order(StringComparer.Ordinal));
        Assert.Equal(["kmod_global_fn", "kmod_static_fn", "kmod_weak_fn"], Core(all: false, unload: false).Keys.Order(StringComparer.Ordinal));
        Assert.DoesNotContain("kmod_exit_fn", Core(all: true, unload: false).Keys);
    }

    [Fact]
    public void Running_AddsTheInsertedModulesSymbols_DeclaresModulesIncluded_KeepsAndFindsAmbiguity()
    {
        var table = LabModuleKallsyms.Running(Image(), [Module(Ko())], ["kallsyms_mod"], AllConfig, out var why);
        Assert.Null(why);
        Assert.NotNull(table);
        Assert.True(table.IncludesModules);
        Assert.True(table.Contains("vmlinux_fn") && table.Contains("kmod_data") && table.Contains("kmod_percpu"));
        Assert.False(table.Contains("kmod_init_fn") || table.Contains("kmod_init_data") || table.Contains("kmod_modinfo") || table.Contains("kallsyms_mod.c"));
        Assert.True(table.FindKsym("kmod_global_fn").Ambiguous, "a name in vmlinux and in a module has two addresses");
        Assert.True(table.FindKsym("twice").Ambiguous, "the image's own ambiguity stays");
        Assert.False(table.FindKsym("kmod_data").Ambiguous);

        // the same module twice (two names, one .ko): every symbol of it is at two addresses
        var two = LabModuleKallsyms.Running(Image(), [Module(Ko()), Module(Ko(), "other_mod")], ["kallsyms_mod", "other_mod"], AllConfig, out _)!;
        Assert.True(two.FindKsym("kmod_data").Ambiguous);
    }

    [Theory]
    [InlineData("failed-insert")]
    [InlineData("no-config")]
    [InlineData("no-kallsyms")]
    [InlineData("unknown-module")]
    [InlineData("livepatch")]
    [InlineData("not-elf")]
    public void Running_NotCertain_IsNullWithTheReason(string why)
    {
        var ko = why switch { "livepatch" => Ko("kallsyms_mod_livepatch.ko"), "not-elf" => [1, 2, 3], _ => Ko() };
        var selected = new List<LabModule> { Module(ko) };
        IReadOnlyCollection<string> inserted = why switch { "failed-insert" => [], "unknown-module" => ["kallsyms_mod", "extra"], _ => ["kallsyms_mod"] };
        var config = why switch { "no-config" => null, "no-kallsyms" => "CONFIG_MODULES=y\n", _ => AllConfig };
        Assert.Null(LabModuleKallsyms.Running(Image(), selected, inserted, config, out var reason));
        Assert.False(string.IsNullOrEmpty(reason));
    }
}
