using CompatService.Engine.Btf;

namespace CompatService.Engine.Tests.Btf;

/// <summary>C declarations: canonical whitespace, qualifiers and typedef names kept.</summary>
public sealed class BtfFormatterTests
{
    [Theory]
    [InlineData(BtfTestData.Fixture72, "bpf_task_acquire", "struct task_struct *bpf_task_acquire(struct task_struct *p)")]
    [InlineData(BtfTestData.Fixture72, "bpf_task_release", "void bpf_task_release(struct task_struct *p)")]
    [InlineData(BtfTestData.Fixture72, "bpf_iter_num_new", "int bpf_iter_num_new(struct bpf_iter_num *it, int start, int end)")]
    [InlineData(BtfTestData.Fixture72, "bpf_cast_to_kern_ctx", "void *bpf_cast_to_kern_ctx(void *obj)")]
    [InlineData(BtfTestData.Fixture61, "bpf_lookup_user_key", "struct bpf_key *bpf_lookup_user_key(u32 serial, u64 flags)")]
    [InlineData(BtfTestData.Fixture61, "bpf_verify_pkcs7_signature", "int bpf_verify_pkcs7_signature(struct bpf_dynptr_kern *data_ptr, struct bpf_dynptr_kern *sig_ptr, struct bpf_key *trusted_keyring)")]
    public void KnownKfuncs_FormatAsCPrototypes(string kernel, string func, string expected)
    {
        var spec = BtfSpec.Parse(BtfTestData.RawVmlinux(BtfTestData.FixtureDir(kernel)));
        Assert.Equal(expected, BtfFormatter.FormatFunc(spec, spec.FindFunc(func)!.Value));
    }

    [Theory]
    [InlineData(BtfTestData.Fixture72, "bpf_iter_num_new", "int bpf_iter_num_new(struct bpf_iter_num *, int, int)")]
    [InlineData(BtfTestData.Fixture61, "bpf_lookup_user_key", "struct bpf_key *bpf_lookup_user_key(u32, u64)")]
    [InlineData(BtfTestData.Fixture72, "bpf_cast_to_kern_ctx", "void *bpf_cast_to_kern_ctx(void *)")]
    public void Prototypes_AreTypesOnly_ForTheKernelInventory(string kernel, string func, string expected)
    {
        var spec = BtfSpec.Parse(BtfTestData.RawVmlinux(BtfTestData.FixtureDir(kernel)));
        Assert.Equal(expected, BtfFormatter.FormatPrototype(spec, spec.FindFunc(func)!.Value));
    }

    [Fact]
    public void Declarators_PointersArraysFunctionPointersAndQualifiers()
    {
        var b = new BtfBuilder();
        var ch = b.Int("char", 1, encoding: 2);                         // 1
        var cch = b.Const(ch);                                          // 2 const char
        var pcch = b.Ptr(cch);                                          // 3 const char *
        var cpcch = b.Const(pcch);                                      // 4 const char *const
        var arr = b.Array(pcch, 0, 4);                                  // 5 const char *[4]
        var parr = b.Ptr(arr);                                          // 6 const char *(*)[4]
        var i = b.Int("int", 4, signed: true);                          // 7
        var cb = b.FuncProto(i, ("", b.Ptr(0)));                        // 8,9: int (void *)
        var pcb = b.Ptr(cb);                                            // 10
        var u32 = b.Typedef("u32", b.Int("unsigned int", 4));           // 11,12
        var vu32 = b.Volatile(u32);                                     // 13
        var rcu = b.TypeTag("rcu", b.Struct("task_struct", 8));         // 14,15
        var anon = b.Union("", 8);                                      // 16
        var f = b.Func("f", b.FuncProto(pcb, ("name", cpcch), ("tbl", parr), ("n", vu32), ("t", b.Ptr(rcu)), ("u", anon), ("", 0)));
        var spec = b.Parse();

        Assert.Equal("const char *", BtfFormatter.FormatType(spec, new(pcch)));
        Assert.Equal("const char *const", BtfFormatter.FormatType(spec, new(cpcch)));
        Assert.Equal("const char *[4]", BtfFormatter.FormatType(spec, new(arr)));
        Assert.Equal("const char *(*)[4]", BtfFormatter.FormatType(spec, new(parr)));
        Assert.Equal("int (*)(void *)", BtfFormatter.FormatType(spec, new(pcb)));
        Assert.Equal("volatile u32", BtfFormatter.FormatType(spec, new(vu32)));
        Assert.Equal("union {...}", BtfFormatter.FormatType(spec, new(anon)));
        Assert.Equal("void", BtfFormatter.FormatType(spec, BtfTypeId.Void));
        Assert.Equal(
            "int (*f(const char *const name, const char *(*tbl)[4], volatile u32 n, __attribute__((btf_type_tag(\"rcu\"))) struct task_struct *t, union {...} u, ...))(void *)",
            BtfFormatter.FormatFunc(spec, new(f)));
    }

    [Fact]
    public void Declaration_ConstPointerArray()
    {
        var b = new BtfBuilder();
        var ch = b.Int("char", 1, encoding: 2);
        var argv = b.Array(b.Const(b.Ptr(ch)), 0, 2);
        Assert.Equal("char *const argv[2]", BtfFormatter.FormatDeclaration(b.Parse(), new(argv), "argv"));
    }

    [Fact]
    public void Formatting_IsDeterministicForEveryKfuncOfAKernel()
    {
        var raw = BtfTestData.RawVmlinux(BtfTestData.FixtureDir(BtfTestData.Fixture72));
        var a = BtfSpec.Parse(raw);
        var b = BtfSpec.Parse(raw);
        foreach (var id in a.FuncsWithDeclTag("bpf_kfunc"))
        {
            var text = BtfFormatter.FormatFunc(a, id);
            Assert.Equal(text, BtfFormatter.FormatFunc(b, id));
            Assert.DoesNotContain("  ", text);
            Assert.Contains(a.NameOf(id) + "(", text);
        }
    }
}
