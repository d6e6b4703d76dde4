namespace CompatService.Dashboard.ViewModels;

/// <summary>A cell was opened; <see cref="Refocus"/> returns keyboard focus to it when its details close.</summary>
public sealed record CellOpened(CellView Cell, Func<Task> Refocus);
