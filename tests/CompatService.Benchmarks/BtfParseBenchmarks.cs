using BenchmarkDotNet.Attributes;
using CompatService.Engine.Btf;

namespace CompatService.Benchmarks;

/// <summary>
/// Parse + name index of a whole vmlinux BTF (the host's 5.5 MB blob when present) and the lookups kfunc resolution does.
/// Retained memory is printed by <see cref="GlobalSetup"/> and by <c>--btf-parse</c> (GC.GetTotalMemory around a held spec).
/// </summary>
[MemoryDiagnoser]
public class BtfParseBenchmarks
{
    private static readonly string[] Kfuncs =
        ["bpf_task_acquire", "bpf_task_release", "bpf_iter_num_new", "bpf_iter_num_next", "bpf_iter_num_destroy",
         "bpf_cast_to_kern_ctx", "bpf_rcu_read_lock", "bpf_dynptr_slice", "bpf_obj_new_impl", "no_such_function_here"];

    private byte[] _blob = [];
    private BtfSpec _spec = null!;
    private BtfTypeId _acquire;

    [GlobalSetup]
    public void GlobalSetup()
    {
        var path = BenchData.DefaultBlobPath();
        _blob = BenchData.Load(path);
        _spec = BtfSpec.Parse(_blob);
        _acquire = _spec.FindFunc("bpf_task_acquire") ?? _spec.Funcs()[0];
        var retained = BtfParseTiming.MeasureRetained(_blob);
        Console.WriteLine($"// blob {path}: {_blob.Length} bytes, {_spec.TypeCount} types, retained beyond the blob {retained} bytes ({retained / 1048576.0:F2} MiB)");
    }

    [Benchmark(Description = "BtfSpec.Parse (bounds-checked scan)")]
    public BtfSpec Parse() => BtfSpec.Parse(_blob);

    [Benchmark(Description = "BtfSpec.Parse + EnsureNameIndex (parse + name index)")]
    public BtfSpec ParseAndIndex() => BtfSpec.Parse(_blob).EnsureNameIndex();

    [Benchmark(Description = "FindFunc x10 (9 hits, 1 miss)")]
    public int FindFunc10()
    {
        var found = 0;
        foreach (var name in Kfuncs)
            if (_spec.FindFunc(name) is not null) found++;
        return found;
    }

    [Benchmark(Description = "FindFunc + decl tags + compat check of one kfunc (fresh spec decode)")]
    public bool ResolveOneKfunc()
    {
        var id = _spec.FindFunc("bpf_task_acquire") ?? _acquire;
        var tagged = _spec.DeclTagsOf(id).Count >= 0;
        return tagged && BtfCompatibility.AreCompatible(_spec, _acquire, _spec, id);
    }

    [Benchmark(Description = "FuncsWithDeclTag(bpf_kfunc)")]
    public int KfuncList() => _spec.FuncsWithDeclTag("bpf_kfunc").Count;

    [Benchmark(Description = "FormatFunc(bpf_task_acquire)")]
    public string Format() => BtfFormatter.FormatFunc(_spec, _acquire);
}
