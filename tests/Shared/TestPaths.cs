// Shared by every test project (linked via Directory.Build.targets in tests/).
namespace CompatService.Tests.Shared;

/// <summary>Where the repository, its fixtures and the shared corpus are.</summary>
public static class TestPaths
{
    private static readonly Lazy<string> Root = new(() =>
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "CompatService.sln"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("CompatService.sln not found above " + AppContext.BaseDirectory);
    });

    public static string RepoRoot => Root.Value;
    public static string Fixtures => Path.Combine(RepoRoot, "tests", "fixtures");
    /// <summary>`../shared/corpus` beside the repository (env COMPAT_CORPUS overrides).</summary>
    public static string Corpus => Environment.GetEnvironmentVariable("COMPAT_CORPUS") is { Length: > 0 } c
        ? c : Path.GetFullPath(Path.Combine(RepoRoot, "..", "shared", "corpus"));
    public static bool HasCorpus => Directory.Exists(Path.Combine(Corpus, "btf"));
    public const string NoCorpusReason = "../shared/corpus is absent (set COMPAT_CORPUS): real-kernel corpus tests cannot run here";
}

/// <summary>A fact that is skipped, with its reason, when the shared corpus is absent.</summary>
public sealed class CorpusFactAttribute : FactAttribute
{
    public CorpusFactAttribute() { if (!TestPaths.HasCorpus) Skip = TestPaths.NoCorpusReason; }
}

/// <summary>A theory that is skipped, with its reason, when the shared corpus is absent.</summary>
public sealed class CorpusTheoryAttribute : TheoryAttribute
{
    public CorpusTheoryAttribute() { if (!TestPaths.HasCorpus) Skip = TestPaths.NoCorpusReason; }
}
