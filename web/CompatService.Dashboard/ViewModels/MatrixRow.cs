namespace CompatService.Dashboard.ViewModels;

/// <summary>A row of the virtualised matrix: an object heading or one program with a cell per kernel column.</summary>
public abstract record MatrixRow(string ObjectName);

public sealed record ObjectHeadingRow(string ObjectName, string Sha256, long? ObjectId, int ProgramCount) : MatrixRow(ObjectName);

public sealed record ProgramRow(string ObjectName, string Program, string Section, string Type, IReadOnlyList<CellView> Cells)
    : MatrixRow(ObjectName)
{
    /// <summary>Unique in the grid: the object's sha256 and the program's position (two objects may share a file name).</summary>
    public string Key { get; init; } = ObjectName + "/" + Program;
}
