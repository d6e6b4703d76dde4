using CompatService.Engine.Btf;
using CompatService.Engine.Kernels;
using CompatService.Engine.Kernels.Surface;
using CompatService.Engine.Object;
using CompatService.Engine.Preparation;
using CompatService.Tests.Shared;
using Xunit.Abstractions;

namespace CompatService.Engine.Tests.Analysis;

/// <summary>
/// CO-RE shapes (<see cref="CoreShape"/>, issue 13): an object with CO-RE relocations that the surface plus the shapes of
/// its roots claim to decide gets exactly the full kernel's report (verdicts, reason codes, relocations, kfunc
/// resolutions) — every fixture object (both byte orders) on the committed kernels, and every corpus object on every
/// corpus kernel (with modules, kallsyms, KF_* flags) when ../shared/corpus is present; and the shape hash is equal for
/// equal shapes whatever the kernel ids, different when anything a relocation reads changes.
/// </summary>
public sealed class CoreShapeTests(ITestOutputHelper output)
{
    [Fact]
    public void Fixtures_OnCommittedKernels_SurfaceWithShapesEqualsFullBtf()
    {
        var kernels = Directory.GetDirectories(Path.Combine(TestPaths.Fixtures, "kernels")).Order(StringComparer.Ordinal)
            .Select(d => TestData.Kernel(d).Btf).ToList();
        var files = TestData.FixtureNames().SelectMany(n => new[] { TestData.FixturePath(n), TestData.FixturePath(n, "bpfeb") }).Where(File.Exists).ToList();
        var (decided, core, missing) = Compare(files, kernels);
        Assert.True(decided > 0 && missing == 0, $"surface + shapes decided {decided} of {core} CO-RE object × kernel pairs, {missing} lacked a shape");
    }

    [CorpusFact]
    public void CorpusObjects_OnCorpusKernels_SurfaceWithShapesEqualsFullBtf()
    {
        var kernels = TestData.CorpusKernelDirs().Select(d => TestData.Kernel(TestData.CorpusKernelDir(d)).Btf).ToList();
        var files = Directory.GetFiles(Path.Combine(TestPaths.Corpus, "objects"), "*.o", SearchOption.AllDirectories).Order(StringComparer.Ordinal).ToList();
        var (decided, core, missing) = Compare(files, kernels);
        Assert.True(decided > core / 4 && missing < core / 8, $"surface + shapes decided {decided} of {core} CO-RE object × kernel pairs, {missing} lacked a shape");
    }

    [Fact]
    public void Hash_IsEqualForEqualShapes_WhateverTheKernelIds()
    {
        var a = new BtfBuilder();
        a.Int("long", 8);
        a.Struct("unrelated", 4, ("x", a.Int("char", 1), 0));
        var sa = Task(a, out _);
        var b = new BtfBuilder();
        var sb = Task(b, out _);
        Assert.Equal(sa.Slice.Hash, sb.Slice.Hash);
        Assert.Equal(sa.Slice.Btf, sb.Slice.Btf);
        Assert.NotEqual(sa.KernelIds, sb.KernelIds);
        Assert.Equal(32, sa.Slice.Hash.Length);
    }

    [Fact]
    public void Hash_Changes_WhenAMemberOffsetAnEnumValueOrASizeChanges()
    {
        var baseline = Task(new BtfBuilder(), out _).Slice.Hash;
        Assert.NotEqual(baseline, Task(new BtfBuilder(), out _, pidOffset: 64).Slice.Hash);
        Assert.NotEqual(baseline, Task(new BtfBuilder(), out _, stateValue: 2).Slice.Hash);
        Assert.NotEqual(baseline, Task(new BtfBuilder(), out _, size: 32).Slice.Hash);
        Assert.Equal(baseline, Task(new BtfBuilder(), out _).Slice.Hash);
    }

    [Fact]
    public void StructsBehindPointers_AreStubs_EmbeddedOnesWhole()
    {
        var shape = Task(new BtfBuilder(), out var kernel);
        var slice = shape.Slice.Spec;
        var parent = slice.FindFirstOfKind("parent_t", BtfKind.Struct);
        var sched = slice.FindFirstOfKind("sched", BtfKind.Struct);
        Assert.NotNull(parent);
        Assert.NotNull(sched);
        Assert.Empty(((BtfComposite)slice.GetType(parent.Value)).Members);
        Assert.Single(((BtfComposite)slice.GetType(sched.Value)).Members);
        Assert.Equal(kernel.Vmlinux.FindFirstOfKind("sched", BtfKind.Struct)!.Value.Value, shape.KernelIds[sched.Value.Value]);
    }

    [Fact]
    public void TypeMatches_IsNotDecidedByShapes()
    {
        var obj = TestData.FixtureNames().Select(n => TestData.FixturePath(n)).Where(File.Exists)
            .Select(f => CompatEngine.OpenObject(File.ReadAllBytes(f)))
            .FirstOrDefault(o => o.BtfExt?.CoreRelos.Values.Any(r => r.Any(x => x.Kind == (uint)CompatService.Engine.Linking.CoreReloKind.TypeMatches)) == true);
        if (obj is null) return; // no fixture uses bpf_core_type_matches: nothing to refuse
        Assert.Null(CoreRoot.RootsOf(obj));
    }

    /// <summary>A kernel with struct task_struct { int pid; enum state; struct sched se; struct parent_t *parent; } after whatever <paramref name="b"/> holds.</summary>
    private static CoreShape Task(BtfBuilder b, out KernelBtfSet kernel, uint pidOffset = 0, ulong stateValue = 1, uint size = 24)
    {
        var i = b.Int("int", 4);
        var state = b.Enum64("state", 4, ("RUNNING", 0), ("STOPPED", stateValue));
        var sched = b.Struct("sched", 4, ("vruntime", i, 0));
        var parent = b.Struct("parent_t", 8, ("x", i, 0), ("y", i, 32));
        b.Struct("task_struct", size, ("pid", i, pidOffset), ("state", state, 32), ("se", sched, 96), ("parent", b.Ptr(parent), 128));
        kernel = new KernelBtfSet(BtfSpec.Parse(b.Build()), [], "test", "test");
        return CoreShape.Of(kernel, new CoreRoot("task_struct", BtfKind.Struct))!;
    }

    /// <summary>Asserts surface + shapes == full for every CO-RE pair they decide; returns (decided, CO-RE pairs, pairs with a root lacking a shape).</summary>
    private (int Decided, int Core, int Missing) Compare(IReadOnlyList<string> files, IReadOnlyList<KernelBtfSet> kernels)
    {
        var surfaces = kernels.Select(k => KernelSurfaceCodec.Decode(KernelSurfaceCodec.Encode(KernelSurface.Of(k)))).ToList();
        var shapes = new Dictionary<(int, CoreRoot), CoreShape?>();
        int decided = 0, core = 0, refused = 0, missing = 0;
        foreach (var file in files)
        {
            BpfObject obj;
            try { obj = CompatEngine.OpenObject(File.ReadAllBytes(file)); }
            catch (Binary.BpfFormatException) { continue; }
            if (obj.BtfExt?.CoreRelos.Values.Any(r => r.Count > 0) != true) continue;
            var roots = CoreRoot.RootsOf(obj);
            for (var i = 0; i < kernels.Count; i++)
            {
                core++;
                if (roots is null) { refused++; continue; }
                var known = new Dictionary<CoreRoot, CoreShape>();
                foreach (var root in roots)
                {
                    if (!shapes.TryGetValue((i, root), out var shape)) shapes[(i, root)] = shape = Stored(CoreShape.Of(kernels[i], root));
                    if (shape is not null) known[root] = shape;
                }
                if (known.Count < roots.Count) missing++;
                if (!surfaces[i].Decides(obj, known)) continue;
                decided++;
                Assert.Equal(KernelSurfaceTests.Render(obj, kernels[i]), KernelSurfaceTests.Render(obj, surfaces[i].KernelWith(known.Values)));
            }
        }
        output.WriteLine($"surface + shapes decided {decided} of {core} CO-RE object × kernel pairs ({refused} refused for TYPE_MATCHES, {missing} for a root with no shape, the others for what the surface alone cannot settle); " +
            $"{shapes.Count(s => s.Value is not null)} shapes, {shapes.Values.OfType<CoreShape>().Select(s => s.Slice.Hash).Distinct().Count()} distinct slices");
        Assert.True(core > 0, "no CO-RE object × kernel pair");
        return (decided, core, missing);
    }

    /// <summary>The shape as the service gets it back from its store: the slice's bytes and the kernel ids.</summary>
    private static CoreShape? Stored(CoreShape? shape) =>
        shape is null ? null : new CoreShape(shape.Root, new CoreSlice(shape.Slice.Btf.ToArray()), shape.KernelIds.ToArray());
}
