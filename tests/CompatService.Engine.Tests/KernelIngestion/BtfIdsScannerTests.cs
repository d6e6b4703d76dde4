using CompatService.Engine.Binary;
using CompatService.Engine.Kernels;

namespace CompatService.Engine.Tests.KernelIngestion;

public class BtfIdsScannerTests
{
    // FUNC ids 3..6 exist; 7 is a STRUCT; ids above 9 do not exist.
    private static string? FuncName(uint id) => id switch
    {
        3 => "bpf_alpha", 4 => "bpf_beta", 5 => "bpf_gamma", 6 => "not_a_kfunc", 8 => "bpf_mod_kfunc", 9 => "mod_helper", _ => null,
    };

    private static byte[] Words(Endian e, params uint[] words)
    {
        var b = new byte[words.Length * 4];
        for (var i = 0; i < words.Length; i++) e.WriteU32(b.AsSpan(i * 4), words[i]);
        return b;
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void FlaggedSets_MergeFlagsPerName_AndDropUnflaggedSets(bool bigEndian)
    {
        var e = bigEndian ? Endian.Big : Endian.Little;
        var data = Words(e,
            7, 3,                       // BTF_ID_LIST noise
            2, 1, 3, 0x5, 4, 0x2,       // set8 KFUNCS: alpha ACQUIRE|RET_NULL, beta RELEASE
            1, 1, 4, 0x20,              // set8 KFUNCS: beta SLEEPABLE
            1, 0, 6, 0,                 // set8 without KFUNCS (fmod_ret-like): dropped
            2, 1, 0, 0, 5, 0x40);       // unresolved id 0 first, gamma DESTRUCTIVE

        var result = BtfIdsScanner.Scan(data, e, FuncName, 9);

        Assert.Equal(
            [new KfuncSetEntry("bpf_alpha", 0x5), new KfuncSetEntry("bpf_beta", 0x22), new KfuncSetEntry("bpf_gamma", 0x40)],
            result);
        var sets = BtfIdsScanner.FindSets(data, e, FuncName, 9);
        Assert.Equal([8L, 32L, 64L], sets.Select(s => s.Offset));
        Assert.Equal(1, sets[2].UnresolvedIds);
    }

    [Fact]
    public void OldKernelSets_WithoutKfuncsFlag_AllCount()
    {
        var data = Words(Endian.Little, 1, 0, 3, 0x1, 2, 0, 4, 0x2, 6, 0);
        var result = BtfIdsScanner.Scan(data, Endian.Little, FuncName, 9);
        Assert.Equal(["bpf_alpha", "bpf_beta", "not_a_kfunc"], result.Select(r => r.Name));
    }

    [Fact]
    public void OldKernel_FmodRetOnlySet_IsNotAKfuncSet()
    {
        var data = Words(Endian.Little, 1, 0, 3, 0x1, 1, 0, 6, 0);
        string? Names(uint id) => id == 6 ? "update_socket_protocol" : FuncName(id);
        Assert.Equal(["bpf_alpha"], BtfIdsScanner.Scan(data, Endian.Little, Names, 9).Select(r => r.Name));
    }

    [Fact]
    public void CandidateWithNonFuncId_IsNotASet()
    {
        // id 7 is a STRUCT: a BTF_ID_LIST of struct ids must not be taken for a set.
        var data = Words(Endian.Little, 1, 0, 7, 0);
        Assert.Empty(BtfIdsScanner.Scan(data, Endian.Little, FuncName, 9));
    }

    [Fact]
    public void CandidateWithDescendingIds_IsNotASet()
    {
        var data = Words(Endian.Little, 2, 1, 4, 0, 3, 0);
        Assert.Empty(BtfIdsScanner.FindSets(data, Endian.Little, FuncName, 9));
    }

    [Fact]
    public void CandidateWithImplausiblePairFlags_IsNotASet()
    {
        var data = Words(Endian.Little, 1, 1, 3, 0x8000_0000);
        Assert.Empty(BtfIdsScanner.FindSets(data, Endian.Little, FuncName, 9));
    }

    [Fact]
    public void CountBeyondTheData_IsNotASet()
    {
        var data = Words(Endian.Little, 5, 1, 3, 0);
        Assert.Empty(BtfIdsScanner.FindSets(data, Endian.Little, FuncName, 9));
    }

    [Fact]
    public void IdsAboveMaxTypeId_AreNotFuncs()
    {
        var data = Words(Endian.Little, 1, 1, 8, 0);
        Assert.Empty(BtfIdsScanner.FindSets(data, Endian.Little, FuncName, 7));
        Assert.Single(BtfIdsScanner.FindSets(data, Endian.Little, FuncName, 9));
    }

    [Fact]
    public void EmptyOrTinyInput_GivesNothing()
    {
        Assert.Empty(BtfIdsScanner.Scan([], Endian.Little, FuncName, 9));
        Assert.Empty(BtfIdsScanner.Scan(new byte[15], Endian.Little, FuncName, 9));
    }

    [Fact]
    public void RandomBytes_NeverThrow()
    {
        var rnd = new Random(42);
        for (var i = 0; i < 200; i++)
        {
            var data = new byte[rnd.Next(0, 300)];
            rnd.NextBytes(data);
            _ = BtfIdsScanner.Scan(data, Endian.Little, id => id % 3 == 0 ? "f" + id : null, (uint)rnd.Next(0, 100_000));
        }
    }

    [Fact]
    public void KfFlagNames_NameKernelBits()
    {
        Assert.Equal("KF_ACQUIRE|KF_RET_NULL", KfFlagNames.Format(0x5));
        Assert.Equal("KF_RCU|KF_IMPLICIT_ARGS", KfFlagNames.Format(0x10080));
        Assert.Equal("0", KfFlagNames.Format(0));
        Assert.Equal(["KF_SLEEPABLE", "BIT(20)"], KfFlagNames.Of((1u << 5) | (1u << 20)));
        Assert.Equal((uint)(KfFlags.IterNew | KfFlags.IterNext | KfFlags.IterDestroy), 0x700u);
    }
}
