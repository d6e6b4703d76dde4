namespace CompatService.Engine.Kernels;

/// <summary>Parses a kernel .config text (`CONFIG_X=y`, `# CONFIG_Y is not set`) into set options only.</summary>
public static class KernelConfig
{
    public static IReadOnlyDictionary<string, string> Parse(string text)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.Trim();
            if (line.Length == 0 || line[0] == '#') continue;
            var eq = line.IndexOf('=');
            if (eq <= 0 || !line.StartsWith("CONFIG_", StringComparison.Ordinal)) continue;
            result[line[..eq]] = line[(eq + 1)..];
        }
        return result;
    }
}
