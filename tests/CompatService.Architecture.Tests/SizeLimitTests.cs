using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using CompatService.Tests.Shared;

namespace CompatService.Architecture.Tests;

/// <summary>
/// Small enough to read (issue 8): no source file in src/ or web/ over 300 lines, no method over 80. Files are counted
/// on disk; methods by the line span of their sequence points in the compiled portable PDBs (so lambdas, local functions
/// and async bodies count where they are written). Left out, each for its reason: EF Core migrations and generated
/// tables (<c>*.Table.cs</c>, <c>obj/</c>), constructors (field and property initialisers: data tables such as libbpf's
/// section table), Razor's <c>BuildRenderTree</c> (markup, bounded by the file limit) and the decoders listed in
/// <see cref="OneCasePerKind"/>.
/// </summary>
public sealed class SizeLimitTests
{
    private const int MaxFileLines = 300, MaxMethodLines = 80;

    /// <summary>Assemblies built from src/ and web/.</summary>
    private static readonly string[] Assemblies =
    [
        "CompatService.Engine", "CompatService.Reporting", "CompatService.Contracts", "CompatService.Kernels", "CompatService.HostKernels",
        "CompatService.Loader", "CompatService.Data", "CompatService.Api", "CompatService.Dashboard", "CompatService.Lab", "compat", "compat-agent",
    ];

    /// <summary>One-case-per-kind decoders (a switch with one short arm per kind reads best whole), by Type.Method.</summary>
    private static readonly HashSet<string> OneCasePerKind = new(StringComparer.Ordinal)
    {
        "BtfTypeDecoder.Decode", // one validated case per BTF kind (19 kinds), as the kernel's btf_check_* table
    };

    private static bool Generated(string path)
    {
        var p = path.Replace('\\', '/');
        return p.Contains("/obj/", StringComparison.Ordinal) || p.Contains("/bin/", StringComparison.Ordinal)
            || p.Contains("/Migrations/", StringComparison.OrdinalIgnoreCase) || p.EndsWith(".Table.cs", StringComparison.Ordinal)
            || p.EndsWith(".g.cs", StringComparison.Ordinal) || p.EndsWith(".Designer.cs", StringComparison.Ordinal);
    }

    [Fact]
    public void NoSourceFile_IsOver300Lines()
    {
        var files = new[] { "src", "web" }.Select(d => Path.Combine(TestPaths.RepoRoot, d)).Where(Directory.Exists)
            .SelectMany(d => Directory.EnumerateFiles(d, "*.*", SearchOption.AllDirectories))
            .Where(f => f.EndsWith(".cs", StringComparison.Ordinal) || f.EndsWith(".razor", StringComparison.Ordinal))
            .Where(f => !Generated(f)).ToArray();
        Assert.True(files.Length > 100, "sources not found under " + TestPaths.RepoRoot);
        var big = files.Select(f => (File: Path.GetRelativePath(TestPaths.RepoRoot, f), Lines: File.ReadLines(f).Count()))
            .Where(x => x.Lines > MaxFileLines).Select(x => $"{x.File}: {x.Lines} lines").ToArray();
        Assert.True(big.Length == 0, $"files over {MaxFileLines} lines:\n" + string.Join("\n", big));
    }

    [Fact]
    public void NoMethod_IsOver80Lines()
    {
        var big = Assemblies.SelectMany(LongMethods).ToArray();
        Assert.True(big.Length == 0, $"methods over {MaxMethodLines} lines:\n" + string.Join("\n", big));
    }

    private static IEnumerable<string> LongMethods(string assembly)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, assembly + ".dll");
        var pdb = Path.ChangeExtension(dll, ".pdb");
        Assert.True(File.Exists(pdb), "no portable PDB beside " + dll);
        using var pe = new PEReader(File.OpenRead(dll));
        var md = pe.GetMetadataReader();
        using var pdbProvider = MetadataReaderProvider.FromPortablePdbStream(File.OpenRead(pdb));
        var debug = pdbProvider.GetMetadataReader();
        var found = new List<string>();
        foreach (var handle in md.MethodDefinitions)
        {
            var method = md.GetMethodDefinition(handle);
            var name = md.GetString(method.Name);
            if (name is ".ctor" or ".cctor" or "BuildRenderTree") continue;
            var type = md.GetTypeDefinition(method.GetDeclaringType());
            var display = $"{md.GetString(type.Name)}.{name}";
            if (OneCasePerKind.Contains(display)) continue;
            var points = debug.GetMethodDebugInformation(handle.ToDebugInformationHandle()).GetSequencePoints()
                .Where(p => !p.IsHidden).ToList();
            foreach (var byDocument in points.GroupBy(p => p.Document))
            {
                var path = debug.GetString(debug.GetDocument(byDocument.Key).Name);
                if (Generated(path)) continue;
                var span = byDocument.Max(p => p.EndLine) - byDocument.Min(p => p.StartLine) + 1;
                if (span > MaxMethodLines)
                    found.Add($"{Path.GetFileName(path)}:{byDocument.Min(p => p.StartLine)}: {OuterName(md, type)}{display}: {span} lines");
            }
        }
        return found;
    }

    /// <summary>The enclosing type's name for compiler-generated closures and state machines (where the code was written).</summary>
    private static string OuterName(MetadataReader md, TypeDefinition type)
    {
        var outer = type.GetDeclaringType();
        return outer.IsNil ? "" : md.GetString(md.GetTypeDefinition(outer).Name) + "/";
    }
}
