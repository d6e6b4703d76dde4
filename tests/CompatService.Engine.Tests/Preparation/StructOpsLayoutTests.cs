using System.Buffers.Binary;
using System.Text;
using CompatService.Engine.Analysis;
using CompatService.Engine.Btf;
using CompatService.Engine.Kernels;
using CompatService.Engine.Object;
using CompatService.Engine.Preparation;
using CompatService.Tests.Shared;

namespace CompatService.Engine.Tests.Preparation;

/// <summary>
/// struct_ops maps laid out against real kernel BTF the way libbpf's bpf_map__init_kern_struct_ops does: the wrapper
/// `bpf_struct_ops_X`, the member index of each program in the KERNEL's struct, data members copied to their kernel
/// offsets; and the engine's verdicts that follow from it.
/// </summary>
public sealed class StructOpsLayoutTests
{
    public static TheoryData<string> AmdKernels()
    {
        var data = new TheoryData<string>();
        foreach (var dir in TestData.CorpusKernelDirs().Where(d => d.EndsWith("amd64", StringComparison.Ordinal) || d.StartsWith("host-", StringComparison.Ordinal)))
            data.Add(dir);
        return data;
    }

    private static KernelBtfSet Kernel(string dir) => TestData.Kernel(TestData.CorpusKernelDir(dir)).Btf;

    [CorpusTheory]
    [MemberData(nameof(AmdKernels))]
    public void TcpCongestionOps_ProgramsGetTheKernelsStructAndMemberIndex_NameIsCopied(string dir)
    {
        var kernel = Kernel(dir);
        var layout = StructOpsLayout.Build(TestData.Fixture("struct_ops_tcp_cc"), kernel);
        Assert.Null(layout.Error);
        var map = Assert.Single(layout.Maps);
        Assert.Equal(("compat_cc", false, (string?)null), (map.Name, map.Link, map.Module));
        Assert.Equal("bpf_struct_ops_tcp_congestion_ops", kernel.Vmlinux.NameOf(new BtfTypeId(map.ValueTypeId)));
        var kernType = (BtfComposite)kernel.Vmlinux.GetType(new BtfTypeId(map.KernelTypeId));
        Assert.Equal("tcp_congestion_ops", kernType.Name);
        var wrapper = (BtfComposite)kernel.Vmlinux.GetType(new BtfTypeId(map.ValueTypeId));
        Assert.Equal(wrapper.Size, (uint)map.Value.Length);
        foreach (var (program, member) in new[] { ("compat_ssthresh", "ssthresh"), ("compat_cong_avoid", "cong_avoid"), ("compat_undo_cwnd", "undo_cwnd") })
        {
            var target = layout.Programs[program];
            Assert.Equal(map.KernelTypeId, target.BtfId);
            Assert.Equal(member, kernType.Members[(int)target.MemberIndex].Name);
            var slot = Assert.Single(map.Funcs, f => f.Program == program);
            var dataOff = wrapper.Members.Single(m => m.Type.Value == map.KernelTypeId).BitOffset / 8;
            Assert.Equal(dataOff + kernType.Members[(int)target.MemberIndex].BitOffset / 8, (uint)slot.Offset);
        }
        Assert.False(layout.Programs.ContainsKey("compat_unused"));
        var nameOff = (int)(wrapper.Members.Single(m => m.Type.Value == map.KernelTypeId).BitOffset / 8 + kernType.Members.Single(m => m.Name == "name").BitOffset / 8);
        Assert.Equal("compat_cc\0", Encoding.ASCII.GetString(map.Value, nameOff, 10));
        Assert.All(map.Funcs, f => Assert.Equal(0UL, BinaryPrimitives.ReadUInt64LittleEndian(map.Value.AsSpan(f.Offset))));
    }

    [CorpusTheory]
    [MemberData(nameof(AmdKernels))]
    public void TcpCongestionOps_Verdicts_ReferencedLoad_UnreferencedFails_MemberMismatchFailsTheObject(string dir)
    {
        var kernel = Kernel(dir);
        var obj = TestData.Fixture("struct_ops_tcp_cc");
        var verdicts = obj.Programs.Zip(CompatEngine.Check(obj, kernel, dir)).ToDictionary(x => x.First.Name, x => x.Second);
        Assert.All(new[] { "compat_ssthresh", "compat_cong_avoid", "compat_undo_cwnd" }, p => Assert.Equal(Verdict.Loads, verdicts[p].Verdict));
        Assert.Equal(Verdict.Fails, verdicts["compat_unused"].Verdict);
        Assert.Contains(verdicts["compat_unused"].Reasons, r => r.Code == ReasonCodes.StructOpsUnreferenced);

        var mismatch = TestData.Fixture("struct_ops_member_missing");
        var layout = StructOpsLayout.Build(mismatch, kernel);
        Assert.Equal("struct_ops init_kern compat_mm: Cannot find member compat_no_such_member in kernel BTF", layout.Error);
        Assert.All(CompatEngine.Check(mismatch, kernel, dir), v =>
        {
            Assert.Equal(Verdict.Fails, v.Verdict);
            Assert.Contains(v.Reasons, r => r.Code == ReasonCodes.StructOpsMemberMismatch);
        });
    }

    [Fact]
    public void BigEndianObject_SameLayoutShape()
    {
        var obj = TestData.Fixture("struct_ops_tcp_cc", "bpfeb");
        Assert.Equal(["compat_ssthresh", "compat_cong_avoid", "compat_undo_cwnd", "compat_unused"], obj.Programs.Select(p => p.Name));
        Assert.Single(obj.StructOps, s => s.TypeName == "tcp_congestion_ops");
    }

    /// <summary>HID-BPF (udev-hid-bpf): `hid_bpf_ops` is a struct_ops type of 7.2 (built in), not of Debian 6.12.</summary>
    [CorpusFact]
    public void HidBpfOps_LaysOutOn72_TypeMissingOn612()
    {
        var path = Directory.GetFiles(Path.Combine(TestPaths.Corpus, "objects", "udev-hid-bpf"), "*.bpf.o", SearchOption.AllDirectories).Order()
            .First(f => BpfObject.Parse(File.ReadAllBytes(f)).StructOps.Count > 0);
        var obj = BpfObject.Parse(File.ReadAllBytes(path));
        var on72 = StructOpsLayout.Build(obj, Kernel("debian-7.2.13+deb14-amd64"));
        Assert.Null(on72.Error);
        Assert.NotEmpty(on72.Programs);
        Assert.All(on72.Maps, m => Assert.Equal("hid_bpf_ops", m.TypeName));
        var on612 = StructOpsLayout.Build(obj, Kernel("debian-6.12.117+deb12-amd64"));
        Assert.True(on612.TypeMissing);
        Assert.Equal("struct_ops init_kern: struct bpf_struct_ops_hid_bpf_ops is not found in kernel BTF", on612.Error);
    }
}
