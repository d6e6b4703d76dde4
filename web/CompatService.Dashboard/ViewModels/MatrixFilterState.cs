using CompatService.Dashboard.Api;

namespace CompatService.Dashboard.ViewModels;

/// <summary>The matrix filters as they live in the URL query (objectLabel, kernelLabel, arch, minRelease, maxRelease).</summary>
public sealed class MatrixFilterState
{
    public string? ObjectLabel { get; set; }
    public string? KernelLabel { get; set; }
    public string? Arch { get; set; }
    public string? MinRelease { get; set; }
    public string? MaxRelease { get; set; }

    public MatrixQuery ToQuery() => new(Blank(ObjectLabel), Blank(KernelLabel), Blank(Arch), Blank(MinRelease), Blank(MaxRelease));

    public IReadOnlyDictionary<string, object?> ToQueryParameters() => new Dictionary<string, object?>
    {
        ["objectLabel"] = Blank(ObjectLabel),
        ["kernelLabel"] = Blank(KernelLabel),
        ["arch"] = Blank(Arch),
        ["minRelease"] = Blank(MinRelease),
        ["maxRelease"] = Blank(MaxRelease),
    };

    public bool IsEmpty => ToQueryParameters().Values.All(v => v is null);

    private static string? Blank(string? s) => string.IsNullOrWhiteSpace(s) ? null : s.Trim();
}
