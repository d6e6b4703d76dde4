using CompatService.Engine.Preparation;
using CompatService.Engine.Btf;
using CompatService.Engine.Elf;
using CompatService.Engine.Object;

namespace CompatService.Engine.Tests.Preparation;

public class VerifierLogMapperTests
{
    private static readonly BpfExtern[] Externs =
    [
        new() { Index = 0, Name = "CONFIG_HZ", EssentialName = "CONFIG_HZ", Kind = ExternKind.Kconfig, IsWeak = true,
            Symbol = new ElfSymbol(1, "CONFIG_HZ", 0, 0, 2, 0, 0, 0), BtfId = new BtfTypeId(1), TypeId = new BtfTypeId(2) },
        new() { Index = 1, Name = "bpf_foo___v2", EssentialName = "bpf_foo", Kind = ExternKind.Kfunc, IsWeak = true,
            Symbol = new ElfSymbol(2, "bpf_foo___v2", 0, 0, 2, 0, 0, 0), BtfId = new BtfTypeId(3), TypeId = new BtfTypeId(4) },
    ];

    [Fact]
    public void PoisonedCall_MapsToTheExternByIndex_AndRewritesTheLogLikeLibbpf()
    {
        const string log = "7: (b7) r2 = 0\n8: (85) call unknown#2002000001\ninvalid func unknown#2002000001\nprocessed 9 insns\n";
        var found = VerifierLogMapper.FindPoisonedKfunc(log, Externs);
        Assert.Equal((1, "bpf_foo___v2", (int?)8), found);
        Assert.Equal("7: (b7) r2 = 0\n8: <invalid kfunc call>\nkfunc 'bpf_foo___v2' is referenced but wasn't resolved\nprocessed 9 insns\n",
            VerifierLogMapper.Rewrite(log, Externs));
    }

    [Fact]
    public void OtherUnknownFuncs_AreLeftAlone()
    {
        const string log = "invalid func unknown#195896080\n"; // libbpf's CO-RE poison, not a kfunc
        Assert.Null(VerifierLogMapper.FindPoisonedKfunc(log, Externs));
        Assert.Equal(log, VerifierLogMapper.Rewrite(log, Externs));
        Assert.Null(VerifierLogMapper.FindPoisonedKfunc("invalid func unknown#2002000099\n", Externs)); // no extern #99
    }

    [Fact]
    public void LastLine_SkipsVerifierStatistics()
    {
        Assert.Equal("R2 !read_ok", VerifierLogMapper.LastLine("0: (bf) r0 = r2\nR2 !read_ok\nprocessed 1 insns (limit 1000000)\n"));
    }
}
