namespace CompatService.Engine.Preparation;

/// <summary>Which BTF kinds / encodings the running kernel accepts (libbpf's FEAT_BTF_*).</summary>
public sealed record KernelBtfFeatures(
    bool Func, bool FuncGlobal, bool Datasec, bool QmarkDatasec, bool Float, bool DeclTag, bool TypeTag, bool Enum64)
{
    public static readonly KernelBtfFeatures All = new(true, true, true, true, true, true, true, true);
    public static readonly KernelBtfFeatures None = new(false, false, false, false, false, false, false, false);

    public bool NeedsSanitizing => this != All;

    /// <summary>
    /// Probes each feature with a tiny BTF blob, as libbpf does; <paramref name="kernelAccepts"/> is the host's
    /// BTF_LOAD of the blob (the loader's bpf(2)), so the blobs stay here and the syscall stays in the Loader.
    /// </summary>
    public static KernelBtfFeatures Probe(Func<byte[], bool> kernelAccepts)
    {
        bool Loads(Action<BtfBuilder> build)
        {
            var b = new BtfBuilder();
            build(b);
            return kernelAccepts(b.Build());
        }

        return new KernelBtfFeatures(
            Func: Loads(b => { var i = b.Int("int", 4); var p = b.FuncProto(i, ("x", i)); b.Func("a", p, 0); }),
            FuncGlobal: Loads(b => { var i = b.Int("int", 4); var p = b.FuncProto(i, ("x", i)); b.Func("a", p, 1); }),
            Datasec: Loads(b => { var i = b.Int("int", 4); var v = b.Var("a", i, 0); b.Datasec(".data", 4, (v, 0, 4)); }),
            QmarkDatasec: Loads(b => { var i = b.Int("int", 4); var v = b.Var("a", i, 0); b.Datasec("?.data", 4, (v, 0, 4)); }),
            Float: Loads(b => b.Float("float", 4)),
            DeclTag: Loads(b => { var i = b.Int("int", 4); var v = b.Var("a", i, 0); b.DeclTag("tag", v); }),
            TypeTag: Loads(b => { var i = b.Int("int", 4); var t = b.TypeTag("tag", i); b.Ptr(t); }),
            Enum64: Loads(b => b.Enum64("e", 8, ("A", 1UL << 40))));
    }
}
