using System.Diagnostics;
using System.Globalization;
using System.Numerics;
using System.Text.RegularExpressions;

namespace CompatService.Engine.Tests.AsmTests;

/// <summary>
/// The newest `llvm-objdump` on PATH (llvm-objdump-NN or llvm-objdump; env LLVM_OBJDUMP picks one), run to
/// cross-check our listing.
/// </summary>
internal static partial class LlvmObjdump
{
    private static readonly Lazy<(string? Path, int Version)> Found = new(Find);

    public static string? Path => Found.Value.Path;
    public static int Version => Found.Value.Version;

    private static (string?, int) Find()
    {
        if (Environment.GetEnvironmentVariable("LLVM_OBJDUMP") is { Length: > 0 } forced)
            return (forced, VersionOf(forced));
        var dirs = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(System.IO.Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries);
        var candidates = new List<string>();
        for (var v = 30; v >= 10; v--) candidates.Add($"llvm-objdump-{v}");
        candidates.Add("llvm-objdump");
        foreach (var name in candidates)
            foreach (var dir in dirs)
            {
                var path = System.IO.Path.Combine(dir, name);
                if (!File.Exists(path)) continue;
                var version = VersionOf(path);
                if (version > 0) return (path, version);
            }
        return (null, 0);
    }

    private static int VersionOf(string path)
    {
        try
        {
            var m = VersionPattern().Match(Run(path, "--version"));
            return m.Success ? int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) : 0;
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            return 0;
        }
    }

    private static string Run(string exe, params string[] args)
    {
        var psi = new ProcessStartInfo(exe) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi) ?? throw new InvalidOperationException("cannot start " + exe);
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        p.WaitForExit();
        if (p.ExitCode != 0) throw new InvalidOperationException($"{exe} {string.Join(' ', args)} exited {p.ExitCode}: {stderr.Result}");
        return stdout.Result;
    }

    /// <summary>`llvm-objdump -d` of an object: section name → (instruction index → text), normalised.</summary>
    public static Dictionary<string, Dictionary<int, string>> Disassemble(string objectPath, bool alu32)
    {
        var args = alu32 ? new[] { "-d", "--mattr=+alu32", objectPath } : ["-d", objectPath];
        var result = new Dictionary<string, Dictionary<int, string>>(StringComparer.Ordinal);
        Dictionary<int, string>? current = null;
        foreach (var line in Run(Path!, args).Split('\n'))
        {
            var section = SectionPattern().Match(line);
            if (section.Success)
            {
                current = new Dictionary<int, string>();
                result[section.Groups[1].Value] = current;
                continue;
            }
            var insn = InsnPattern().Match(line);
            if (insn.Success && current is not null)
                current[int.Parse(insn.Groups[1].Value, CultureInfo.InvariantCulture)] = Normalise(insn.Groups[2].Value);
        }
        return result;
    }

    public const string Unknown = "<unknown>";

    /// <summary>Drops the `&lt;label&gt;` after jump offsets, writes hex numbers (LLVM 18+) in decimal, squeezes spaces.</summary>
    public static string Normalise(string text)
    {
        text = text.Trim();
        if (text.StartsWith("<unknown", StringComparison.Ordinal)) return Unknown;
        text = LabelPattern().Replace(text, "");
        text = HexPattern().Replace(text, m =>
        {
            var value = BigInteger.Parse("0" + m.Groups[2].Value, NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            return (m.Groups[1].Value == "-" ? -value : value).ToString(CultureInfo.InvariantCulture);
        });
        return SpacePattern().Replace(text, " ");
    }

    [GeneratedRegex(@"LLVM version (\d+)")]
    private static partial Regex VersionPattern();
    [GeneratedRegex(@"^Disassembly of section (.+):$")]
    private static partial Regex SectionPattern();
    [GeneratedRegex(@"^\s*(\d+):\t[0-9a-f ]+\t(.*)$")]
    private static partial Regex InsnPattern();
    [GeneratedRegex(@"\s*<[^<>]*>$")]
    private static partial Regex LabelPattern();
    [GeneratedRegex(@"(-?)0x([0-9a-f]+)")]
    private static partial Regex HexPattern();
    [GeneratedRegex(@"\s+")]
    private static partial Regex SpacePattern();
}

/// <summary>A theory skipped, with the reason, when no llvm-objdump of at least <c>minVersion</c> is installed.</summary>
public sealed class LlvmObjdumpTheoryAttribute : TheoryAttribute
{
    public LlvmObjdumpTheoryAttribute(int minVersion = 0, bool needsCorpus = false)
    {
        if (needsCorpus && !CompatService.Tests.Shared.TestPaths.HasCorpus)
            Skip = CompatService.Tests.Shared.TestPaths.NoCorpusReason;
        else if (LlvmObjdump.Path is null)
            Skip = "llvm-objdump is not installed (apt-get install llvm): the cross-check against LLVM's disassembler cannot run";
        else if (LlvmObjdump.Version < minVersion)
            Skip = $"{LlvmObjdump.Path} is LLVM {LlvmObjdump.Version}; this check needs LLVM {minVersion}+ (cpu v4 instructions)";
    }
}
