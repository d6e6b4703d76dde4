using CompatService.Engine.Binary;
using CompatService.Engine.Btf;

namespace CompatService.Engine.Tests.Btf;

/// <summary>BtfSpec on hand-built blobs: every kind, kind_flag semantics, both byte orders, long headers, split BTF, validation.</summary>
public sealed class BtfSpecTests
{
    /// <summary>One of every kind, with bitfields, a signed enum, a fwd union, decl tags and a variadic prototype.</summary>
    private static BtfBuilder AllKinds()
    {
        var b = new BtfBuilder();
        var i32 = b.Int("int", 4, signed: true);                                  // 1
        var u8 = b.Int("unsigned char", 1);                                       // 2
        var ptr = b.Ptr(i32);                                                      // 3
        var arr = b.Array(u8, i32, 16);                                           // 4
        var st = b.Struct("s", 8, ("a", i32, 0, 0), ("bf", i32, 32, 3), ("c", u8, 35, 5)); // 5 (kind_flag: bitfields)
        b.Union("u", 4, ("x", i32, 0, 0), ("y", u8, 0, 0));                       // 6
        b.Enum("e", 4, true, ("NEG", -1), ("ONE", 1));                            // 7
        b.Fwd("fu", union: true);                                                 // 8
        var td = b.Typedef("myint", i32);                                         // 9
        b.Volatile(td);                                                           // 10
        var c = b.Const(i32);                                                     // 11
        b.Restrict(ptr);                                                          // 12
        var proto = b.FuncProto(i32, ("p", ptr), ("", 0));                        // 13: variadic
        var fn = b.Func("f", proto, BtfLinkage.Extern);                           // 14
        var v = b.Var("v", c, BtfLinkage.Static);                                 // 15
        b.Datasec(".data", 4, (v, 0, 4));                                         // 16
        b.Float("double", 8);                                                     // 17
        b.DeclTag("bpf_kfunc", fn);                                               // 18
        b.TypeTag("rcu", st);                                                     // 19
        b.Enum64("e64", 8, false, ("BIG", unchecked((long)0xfedcba9876543210UL)));  // 20
        b.DeclTag("member_tag", st, 1);                                           // 21
        b.Fwd("fs");                                                              // 22
        _ = arr;
        return b;
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void EveryKind_DecodesWithKindFlagSemantics_InBothByteOrders(bool bigEndian)
    {
        var spec = AllKinds().Parse(bigEndian);
        Assert.Equal(bigEndian, spec.Endian.IsBig);
        Assert.Equal(22, spec.TypeCount);
        Assert.Same(BtfVoid.Instance, spec.GetType(BtfTypeId.Void));

        var i = Assert.IsType<BtfInt>(spec.GetType(new(1)));
        Assert.True(i.IsSigned);
        Assert.Equal(32, i.Bits);
        Assert.False(i.IsBitfield);
        Assert.Equal(new BtfTypeId(1), Assert.IsType<BtfPtr>(spec.GetType(new(3))).Target);
        var a = Assert.IsType<BtfArray>(spec.GetType(new(4)));
        Assert.Equal((2u, 1u, 16u), (a.ElementType.Value, a.IndexType.Value, a.Count));

        var s = Assert.IsType<BtfComposite>(spec.GetType(new(5)));
        Assert.Equal(BtfKind.Struct, s.Kind);
        Assert.Equal(new BtfMember("bf", new(1), 32, 3), s.Members[1]);
        Assert.Equal(new BtfMember("c", new(2), 35, 5), s.Members[2]);
        Assert.Equal(BtfKind.Union, spec.GetType(new(6)).Kind);

        var e = Assert.IsType<BtfEnum>(spec.GetType(new(7)));
        Assert.True(e.IsSigned);
        Assert.Equal(-1, e.Values[0].Value);
        Assert.True(Assert.IsType<BtfFwd>(spec.GetType(new(8))).IsUnion);
        Assert.False(Assert.IsType<BtfFwd>(spec.GetType(new(22))).IsUnion);
        Assert.Equal((BtfKind.Typedef, "myint"), (spec.GetType(new(9)).Kind, spec.GetType(new(9)).Name));
        Assert.Equal(BtfKind.Volatile, spec.GetType(new(10)).Kind);
        Assert.Equal(BtfKind.Const, spec.GetType(new(11)).Kind);
        Assert.Equal(BtfKind.Restrict, spec.GetType(new(12)).Kind);

        var proto = Assert.IsType<BtfFuncProto>(spec.GetType(new(13)));
        Assert.True(proto.IsVariadic);
        Assert.Equal([new BtfParam("p", new(3))], proto.Parameters);
        var f = Assert.IsType<BtfFunc>(spec.GetType(new(14)));
        Assert.Equal((BtfLinkage.Extern, 13u), (f.Linkage, f.Proto.Value));
        Assert.Equal(BtfLinkage.Static, Assert.IsType<BtfVar>(spec.GetType(new(15))).Linkage);
        Assert.Equal(new BtfVarSecInfo(new(15), 0, 4), Assert.IsType<BtfDatasec>(spec.GetType(new(16))).Vars[0]);
        Assert.Equal(8u, Assert.IsType<BtfFloat>(spec.GetType(new(17))).Size);
        var tag = Assert.IsType<BtfDeclTag>(spec.GetType(new(18)));
        Assert.Equal((-1, 14u), (tag.ComponentIndex, tag.Target.Value));
        Assert.Equal((BtfKind.TypeTag, "rcu"), (spec.GetType(new(19)).Kind, spec.GetType(new(19)).Name));
        var e64 = Assert.IsType<BtfEnum>(spec.GetType(new(20)));
        Assert.True(e64.Is64);
        Assert.False(e64.IsSigned);
        Assert.Equal(unchecked((long)0xfedcba9876543210UL), e64.Values[0].Value);
        Assert.Equal(1, Assert.IsType<BtfDeclTag>(spec.GetType(new(21))).ComponentIndex);

        Assert.Same(spec.GetType(new(5)), spec.GetType(new(5)));
        Assert.Equal([new BtfTypeId(14)], spec.FuncsWithDeclTag("bpf_kfunc"));
        Assert.Equal(["bpf_kfunc"], spec.DeclTagsOf(new(14)));
        Assert.Empty(spec.DeclTagsOf(new(5))); // member tag has component 1
        Assert.True(spec.HasDeclTag("bpf_kfunc"));
        Assert.False(spec.HasDeclTag("bpf_fastcall"));
        Assert.Equal([new BtfTypeId(14)], spec.Funcs());
        Assert.Equal(new BtfTypeId(14), spec.FindFunc("f"));
        Assert.Null(spec.FindFunc("v"));
        Assert.Equal([new BtfTypeId(1)], spec.FindByName("int"));
        spec.Validate();
    }

    [Fact]
    public void BigEndianBlob_IsTheSameAsLittleEndian()
    {
        var le = AllKinds().Parse(false);
        var be = AllKinds().Parse(true);
        for (var id = 1u; id <= le.LastTypeId; id++)
        {
            Assert.Equal(le.GetType(new(id)).ToString(), be.GetType(new(id)).ToString());
            Assert.Equal(BtfFormatter.FormatType(le, new(id)), BtfFormatter.FormatType(be, new(id)));
        }
    }

    [Fact]
    public void RealVmlinux_ByteSwapped_ParsesToTheSameKfuncsAndPrototypes()
    {
        var raw = BtfTestData.RawVmlinux(BtfTestData.FixtureDir(BtfTestData.Fixture72));
        var swapped = BtfByteSwapper.Swap(raw);
        Assert.Equal(raw, BtfByteSwapper.Swap(swapped)); // the swapper is an involution
        var le = BtfSpec.Parse(raw);
        var be = BtfSpec.Parse(swapped);
        Assert.True(be.Endian.IsBig);
        Assert.Equal(le.TypeCount, be.TypeCount);
        Assert.Equal(le.KindCounts().OrderBy(k => k.Key), be.KindCounts().OrderBy(k => k.Key));
        var kfuncs = le.FuncsWithDeclTag("bpf_kfunc");
        Assert.Equal(308, kfuncs.Count);
        Assert.Equal(kfuncs, be.FuncsWithDeclTag("bpf_kfunc"));
        foreach (var id in kfuncs) Assert.Equal(BtfFormatter.FormatFunc(le, id), BtfFormatter.FormatFunc(be, id));
        be.Validate();
    }

    [Fact]
    public void LongerHeader_WithZeroExtraBytes_IsAccepted()
    {
        var b = new BtfBuilder();
        b.Int("int", 4, signed: true);
        var spec = BtfSpec.Parse(b.Build(headerLength: 32));
        Assert.Equal(32u, spec.HeaderLength);
        Assert.Equal("int", spec.NameOf(new(1)));
        var be = BtfSpec.Parse(b.Build(bigEndian: true, headerLength: 40));
        Assert.Equal("int", be.NameOf(new(1)));
    }

    [Fact]
    public void LongerHeader_WithNonZeroExtraBytes_IsRejected()
    {
        var b = new BtfBuilder();
        b.Int("int", 4);
        var ex = Assert.Throws<BpfFormatException>(() => BtfSpec.Parse(b.Build(headerLength: 32, extraHeader: [0, 0, 0, 0, 1, 0, 0, 0])));
        Assert.Contains("non-zero unknown field", ex.Message);
        Assert.Equal(28, ex.Offset);
        Assert.Equal(".BTF", ex.Section);
    }

    [Fact]
    public void SplitBtf_ContinuesIdsAndStringOffsetsAfterTheBase()
    {
        var baseSpec = AllKinds().Parse();
        var m = new BtfBuilder(baseSpec);
        var proto = m.FuncProto(1, ("x", 5));                 // int (struct s *)? uses base ids 1 and 5
        var fn = m.Func("mod_func", proto);
        m.DeclTag("bpf_kfunc", fn);
        m.Typedef("int", 1);                                  // "int" already in the base strings: new copy in the split table
        var spec = m.Parse(baseSpec: baseSpec);
        Assert.Equal(23u, spec.FirstTypeId);
        Assert.Equal(26u, spec.LastTypeId);
        Assert.Equal(new BtfTypeId(24), spec.FindFunc("mod_func"));
        Assert.Equal([new BtfTypeId(24)], spec.FuncsWithDeclTag("bpf_kfunc"));
        Assert.Equal([new BtfTypeId(26)], spec.FindByName("int"));
        Assert.Equal([new BtfTypeId(1), new BtfTypeId(26)], spec.FindByName("int", includeBase: true));
        Assert.Same(baseSpec.GetType(new(5)), spec.GetType(new(5)));
        Assert.Equal("int mod_func(struct s x)", BtfFormatter.FormatFunc(spec, new(24)));
        Assert.Throws<BpfFormatException>(() => spec.GetType(new(27)));
    }

    [Fact]
    public void Malformed_TruncatedHeader_Throws()
    {
        var ex = Assert.Throws<BpfFormatException>(() => BtfSpec.Parse(new byte[] { 0x9f, 0xeb, 1, 0, 24, 0 }));
        Assert.Contains("truncated BTF header", ex.Message);
        Assert.Throws<BpfFormatException>(() => BtfSpec.Parse(new byte[24]));
    }

    [Fact]
    public void Malformed_SectionBeyondBlob_Throws()
    {
        var blob = AllKinds().Build();
        BitConverter.TryWriteBytes(blob.AsSpan(20), 100000u); // str_len
        var ex = Assert.Throws<BpfFormatException>(() => BtfSpec.Parse(blob));
        Assert.Contains("string section", ex.Message);
        Assert.Equal(16, ex.Offset);
    }

    [Fact]
    public void Malformed_VlenBeyondTypeSection_ThrowsWithTypeId()
    {
        var b = new BtfBuilder();
        b.Int("int", 4);
        b.Raw(b.Str("s"), BtfBuilder.Info(BtfKind.Struct, 1000), 4); // claims 1000 members
        var ex = Assert.Throws<BpfFormatException>(() => b.Parse());
        Assert.Equal(2u, ex.TypeId);
        Assert.Contains("vlen 1000", ex.Message);
    }

    [Fact]
    public void Malformed_UnknownKind_Throws()
    {
        var b = new BtfBuilder();
        b.Raw(0, 25u << 24, 0);
        var ex = Assert.Throws<BpfFormatException>(() => b.Parse());
        Assert.Contains("unknown BTF kind 25", ex.Message);
        Assert.Equal(1u, ex.TypeId);
        Assert.Equal(28, ex.Offset);
    }

    [Fact]
    public void Malformed_TypeIdBeyondLastId_ThrowsOnDecode()
    {
        var b = new BtfBuilder();
        b.Int("int", 4);
        b.Ptr(77);
        var spec = b.Parse();
        Assert.Equal(BtfKind.Ptr, spec.KindOf(new(2)));
        var ex = Assert.Throws<BpfFormatException>(() => spec.GetType(new(2)));
        Assert.Equal(2u, ex.TypeId);
        Assert.Contains("77", ex.Message);
        Assert.Throws<BpfFormatException>(() => spec.Validate());
    }

    [Fact]
    public void Malformed_StringOffsetOutOfRange_Throws()
    {
        var b = new BtfBuilder();
        b.Raw(5000, BtfBuilder.Info(BtfKind.Typedef), 0);
        var ex = Assert.Throws<BpfFormatException>(() => b.Parse());
        Assert.Contains("name offset 5000", ex.Message);

        var c = new BtfBuilder();
        c.Raw(0, BtfBuilder.Info(BtfKind.Struct, 1), 4, 9999, 0, 0); // member name out of range, found on decode
        var spec = c.Parse();
        Assert.Contains("member 0 name", Assert.Throws<BpfFormatException>(() => spec.GetType(new(1))).Message);
    }

    [Fact]
    public void Malformed_UnterminatedStringSection_Throws()
    {
        var blob = AllKinds().Build();
        blob[^1] = (byte)'x';
        Assert.Contains("unterminated", Assert.Throws<BpfFormatException>(() => BtfSpec.Parse(blob)).Message);
    }

    [Fact]
    public void Malformed_FuncPointingAtNonProto_Throws()
    {
        var b = new BtfBuilder();
        var i = b.Int("int", 4);
        b.Func("f", i);
        var spec = b.Parse();
        Assert.Contains("not FUNC_PROTO", Assert.Throws<BpfFormatException>(() => spec.GetType(new(2))).Message);
    }
}
