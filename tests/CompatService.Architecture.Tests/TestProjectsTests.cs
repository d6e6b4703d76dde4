using CompatService.Tests.Shared;

namespace CompatService.Architecture.Tests;

/// <summary>
/// Tests mirror projects: every project under src/ and web/ that holds logic has tests/&lt;Project&gt;.Tests, which
/// references it, is in the solution, and is run by scripts/test.sh (it runs every tests/*.Tests/*.Tests.csproj).
/// A newcomer finds the tests of X in X.Tests, not in a neighbour's folder.
/// </summary>
public sealed class TestProjectsTests
{
    /// <summary>Projects without logic of their own, and where what they hold is exercised.</summary>
    private static readonly Dictionary<string, string> WithoutLogic = new(StringComparer.Ordinal)
    {
        ["CompatService.Contracts"] = "wire DTOs and route constants only; their JSON is pinned by the golden tests of Cli.Tests and Api.Tests",
        ["CompatService.Data"] = "EF entities and their mapping only; the schema and migrations are tested by Api.Tests/Storage against real PostgreSQL",
    };

    private static List<string> Projects() =>
        new[] { "src", "web" }.SelectMany(d => Directory.GetDirectories(Path.Combine(TestPaths.RepoRoot, d)))
            .Where(dir => File.Exists(Path.Combine(dir, Path.GetFileName(dir) + ".csproj")))
            .Select(dir => Path.GetFileName(dir)).Order(StringComparer.Ordinal).ToList();

    public static TheoryData<string> SourceProjects()
    {
        var data = new TheoryData<string>();
        foreach (var p in Projects()) data.Add(p);
        return data;
    }

    [Theory]
    [MemberData(nameof(SourceProjects))]
    public void EachProjectWithLogic_HasItsTestProject(string project)
    {
        if (WithoutLogic.ContainsKey(project)) return;
        var name = project + ".Tests";
        var csproj = Path.Combine(TestPaths.RepoRoot, "tests", name, name + ".csproj");
        Assert.True(File.Exists(csproj), $"{project} has logic but no tests/{name}/{name}.csproj");
        Assert.Contains($"/{project}/{project}.csproj\"", File.ReadAllText(csproj).Replace('\\', '/'), StringComparison.Ordinal);
        Assert.Contains($"tests\\{name}\\{name}.csproj", File.ReadAllText(Path.Combine(TestPaths.RepoRoot, "CompatService.sln")), StringComparison.Ordinal);
        Assert.NotEmpty(Directory.EnumerateFiles(Path.GetDirectoryName(csproj)!, "*Tests.cs", SearchOption.AllDirectories));
    }

    [Fact]
    public void ProjectsSaidToHaveNoLogic_Exist_AndHaveNoTestProject()
    {
        var projects = Projects().ToHashSet(StringComparer.Ordinal);
        foreach (var p in WithoutLogic.Keys)
        {
            Assert.Contains(p, projects);
            Assert.False(Directory.Exists(Path.Combine(TestPaths.RepoRoot, "tests", p + ".Tests")), $"{p}.Tests exists: drop {p} from {nameof(WithoutLogic)}");
        }
    }

    [Fact]
    public void EveryTestProject_MirrorsASourceProject()
    {
        var projects = Projects().ToHashSet(StringComparer.Ordinal);
        projects.Add("CompatService.Fuzz"); // tests/CompatService.Fuzz, the fuzz harness: its coverage loop has tests too
        var testProjects = Directory.GetDirectories(Path.Combine(TestPaths.RepoRoot, "tests"), "*.Tests").Select(Path.GetFileName).OfType<string>();
        // Architecture.Tests checks the whole tree; every other X.Tests tests src/X, web/X or the fuzz harness.
        Assert.All(testProjects.Where(t => t != "CompatService.Architecture.Tests"), t => Assert.Contains(t[..^".Tests".Length], projects));
    }

    /// <summary>
    /// The engine's tests test the engine: a face's output (the CLI's golden tables, the wire mapping) is tested in that
    /// face's project. Kernels stays: the shared fixture helpers read kernel directories through it.
    /// </summary>
    [Fact]
    public void EngineTests_ReferenceNoFace()
    {
        var csproj = File.ReadAllText(Path.Combine(TestPaths.RepoRoot, "tests", "CompatService.Engine.Tests", "CompatService.Engine.Tests.csproj"));
        foreach (var face in new[] { "Cli", "Api", "Agent", "Reporting", "Contracts", "Loader", "Lab", "Data" })
            Assert.DoesNotContain($"/CompatService.{face}/", csproj.Replace('\\', '/'), StringComparison.Ordinal);
    }
}
