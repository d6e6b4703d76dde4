using CompatService.Contracts;

namespace CompatService.Dashboard.ViewModels;

/// <summary>
/// The matrix as the page shows it: kernel columns grouped by distro / arch / flavour and ordered by version inside a
/// group; rows are programs grouped under their object. Nothing is computed here beyond layout.
/// </summary>
public sealed class MatrixViewModel
{
    public IReadOnlyList<KernelColumn> Columns { get; }
    public IReadOnlyList<KernelGroup> Groups { get; }
    public IReadOnlyList<MatrixRow> Rows { get; }
    public int ProgramCount { get; }
    public int ObjectCount { get; }

    private MatrixViewModel(IReadOnlyList<KernelColumn> columns, IReadOnlyList<KernelGroup> groups, IReadOnlyList<MatrixRow> rows,
        int objects)
    {
        Columns = columns;
        Groups = groups;
        Rows = rows;
        ObjectCount = objects;
        ProgramCount = rows.Count(r => r is ProgramRow);
    }

    public static MatrixViewModel Build(MatrixReport report, IReadOnlyList<KernelDto> kernels, IReadOnlyList<ObjectDto> objects,
        IReadOnlyList<ObservedOutcomeDto>? labOutcomes = null)
    {
        // the newest lab outcome per (kernel, object, program)
        var lab = (labOutcomes ?? []).Where(o => o.KernelId is not null)
            .GroupBy(o => (o.KernelId!.Value, o.ObjectSha256, o.Program))
            .ToDictionary(g => g.Key, g => g.OrderByDescending(o => o.LabRunId).ThenByDescending(o => o.Id).First());
        var kernelsById = kernels.ToDictionary(k => k.Id.ToString(System.Globalization.CultureInfo.InvariantCulture));
        var columns = report.Kernels
            .Select(k => KernelColumn.From(k, kernelsById.GetValueOrDefault(k.Id)))
            .OrderBy(c => c.Distro ?? "\uffff", StringComparer.Ordinal)
            .ThenBy(c => c.Arch ?? "\uffff", StringComparer.Ordinal)
            .ThenBy(c => c.Flavour ?? "", StringComparer.Ordinal)
            .ThenBy(c => c.Release, ReleaseVersion.Comparer)
            .ThenBy(c => c.KernelId)
            .ToList();

        var groups = new List<KernelGroup>();
        foreach (var c in columns)
        {
            if (groups.Count > 0 && groups[^1].Key == c.GroupKey) groups[^1] = groups[^1] with { Span = groups[^1].Span + 1 };
            else groups.Add(new KernelGroup(c.GroupKey, 1));
        }

        var objectIds = objects.GroupBy(o => o.Sha256).ToDictionary(g => g.Key, g => g.First().Id);
        var rows = new List<MatrixRow>();
        foreach (var o in report.Objects)
        {
            long? objectId = objectIds.TryGetValue(o.Sha256, out var id) ? id : null;
            rows.Add(new ObjectHeadingRow(o.Path, o.Sha256, objectId, o.Programs.Count));
            for (var pi = 0; pi < o.Programs.Count; pi++)
            {
                var p = o.Programs[pi];
                var byKernel = p.Results.GroupBy(r => r.Kernel).ToDictionary(g => g.Key, g => g.First());
                var cells = columns.Select(c => CellView.For(p.Name, c.Name, byKernel.GetValueOrDefault(c.Id)) with
                    {
                        ObjectId = objectId, KernelId = c.KernelId, KernelIsNamed = c.Release is not null,
                        LabOutcome = c.KernelId is { } kid ? lab.GetValueOrDefault((kid, o.Sha256, p.Name)) : null,
                    })
                    .ToList();
                rows.Add(new ProgramRow(o.Path, p.Name, p.Section, p.Type, cells) { Key = $"{o.Sha256}/{pi}" });
            }
        }
        return new MatrixViewModel(columns, groups, rows, report.Objects.Count);
    }

    /// <summary>
    /// <paramref name="count"/> columns from <paramref name="first"/> (clamped), with their groups and each row's cells:
    /// the grid of a 1000-kernel fleet renders a page of columns, not 1000 (issue 13). Rows and totals stay whole.
    /// </summary>
    public MatrixViewModel Page(int first, int count)
    {
        first = Math.Clamp(first, 0, Math.Max(0, Columns.Count - 1));
        count = Math.Clamp(count, 0, Columns.Count - first);
        if (first == 0 && count == Columns.Count) return this;
        var columns = Columns.Skip(first).Take(count).ToList();
        var groups = new List<KernelGroup>();
        foreach (var c in columns)
        {
            if (groups.Count > 0 && groups[^1].Key == c.GroupKey) groups[^1] = groups[^1] with { Span = groups[^1].Span + 1 };
            else groups.Add(new KernelGroup(c.GroupKey, 1));
        }
        var rows = Rows.Select(r => r is ProgramRow p ? p with { Cells = p.Cells.Skip(first).Take(count).ToList() } : r).ToList();
        return new MatrixViewModel(columns, groups, rows, ObjectCount);
    }

    /// <summary>True for the first column of a group (a heavier rule separates groups).</summary>
    public bool StartsGroup(int column) => column == 0 || Columns[column].GroupKey != Columns[column - 1].GroupKey;

    public bool StartsGroup(KernelColumn column) => StartsGroup(IndexOf(column));

    private int IndexOf(KernelColumn c)
    {
        for (var i = 0; i < Columns.Count; i++)
            if (ReferenceEquals(Columns[i], c)) return i;
        return -1;
    }

    /// <summary>Counts per state, for the summary line above the grid.</summary>
    public IReadOnlyDictionary<CellState, int> Totals() =>
        Rows.OfType<ProgramRow>().SelectMany(r => r.Cells).GroupBy(c => c.State).ToDictionary(g => g.Key, g => g.Count());
}
