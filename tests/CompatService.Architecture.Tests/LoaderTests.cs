using System.Reflection;

namespace CompatService.Architecture.Tests;

/// <summary>
/// The Loader is syscalls and file descriptors only (aya's split: aya-obj prepares, aya makes the syscalls). Pure object
/// preparation (BTF fix-ups and sanitising, func/line info, attach targets, verifier-log mapping, map naming) lives in
/// the engine's <c>Preparation/</c>; the test double of bpf(2) lives in the tests.
/// </summary>
public sealed class LoaderTests
{
    private const string SyscallNamespace = "CompatService.Loader.Syscalls";

    /// <summary>Records the loader takes as input that carry host facts but no fd type (module BTF fds are plain ints).</summary>
    private static readonly HashSet<string> HostFactRecords = new(StringComparer.Ordinal) { "CompatService.Loader.Loading.LoadTarget" };

    private static Assembly Loader() => Assembly.LoadFrom(Path.Combine(AppContext.BaseDirectory, "CompatService.Loader.dll"));

    private static IEnumerable<Type> Signature(Type t)
    {
        const BindingFlags all = BindingFlags.Instance | BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly;
        foreach (var f in t.GetFields(all)) yield return f.FieldType;
        foreach (var p in t.GetProperties(all)) yield return p.PropertyType;
        foreach (var m in t.GetMethods(all))
        {
            yield return m.ReturnType;
            foreach (var p in m.GetParameters()) yield return p.ParameterType;
        }
        foreach (var c in t.GetConstructors(all))
            foreach (var p in c.GetParameters()) yield return p.ParameterType;
    }

    private static bool MentionsSyscalls(Type t) =>
        t.Namespace == SyscallNamespace
        || (t.HasElementType && MentionsSyscalls(t.GetElementType()!))
        || (t.IsGenericType && t.GetGenericArguments().Any(MentionsSyscalls));

    [Fact]
    public void EveryLoaderType_TouchesTheBpfSeam()
    {
        var pure = Loader().GetTypes()
            .Where(t => !t.Name.Contains('<') && t.Namespace != SyscallNamespace && !HostFactRecords.Contains(t.FullName!))
            .Where(t => !Signature(t).Any(MentionsSyscalls))
            .Select(t => t.FullName!).ToArray();
        Assert.True(pure.Length == 0, "Loader types with no syscall or fd in sight (move them to Engine/Preparation): " + string.Join(", ", pure));
    }

    [Fact]
    public void LoaderStaticHelpers_AreSyscallsOrFds()
    {
        var pure = Loader().GetTypes()
            .Where(t => !t.Name.Contains('<') && t.Namespace != SyscallNamespace)
            .SelectMany(t => t.GetMethods(BindingFlags.Static | BindingFlags.Public | BindingFlags.DeclaredOnly))
            .Where(m => !m.IsSpecialName && !MentionsSyscalls(m.ReturnType) && !m.GetParameters().Any(p => MentionsSyscalls(p.ParameterType)))
            .Select(m => $"{m.DeclaringType!.FullName}.{m.Name}").ToArray();
        Assert.True(pure.Length == 0, "pure static helpers in the Loader (move them to Engine/Preparation): " + string.Join(", ", pure));
    }

    [Fact]
    public void TheFakeBpfSyscalls_IsNotProductionCode()
    {
        foreach (var name in new[] { "CompatService.Loader", "compat-agent" })
        {
            var fakes = Assembly.LoadFrom(Path.Combine(AppContext.BaseDirectory, name + ".dll")).GetTypes()
                .Where(t => t.Name.StartsWith("Fake", StringComparison.Ordinal)).Select(t => t.FullName).ToArray();
            Assert.True(fakes.Length == 0, $"{name} ships test doubles: " + string.Join(", ", fakes));
        }
    }
}
