using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;

namespace CompatService.Data;

/// <summary>
/// Table and column names for raw SQL, read from the EF model (where <see cref="ModelConventions"/> named them), so a
/// statement written by hand names what the migrations created: a renamed entity or property fails here, by name.
/// </summary>
public static class StoreNames
{
    /// <summary>The table of entity <typeparamref name="T"/> ("kernel_blobs").</summary>
    public static string Table<T>(this IModel model) => Entity<T>(model).GetTableName()!;

    /// <summary>The column of <typeparamref name="T"/>'s <paramref name="property"/> ("blob_sha256"); pass nameof(T.Property).</summary>
    public static string Column<T>(this IModel model, string property)
    {
        var entity = Entity<T>(model);
        var p = entity.FindProperty(property)
            ?? throw new InvalidOperationException($"entity {typeof(T).Name} has no mapped property {property}");
        return p.GetColumnName(StoreObjectIdentifier.Table(entity.GetTableName()!, entity.GetSchema()))!;
    }

    private static IEntityType Entity<T>(IModel model) =>
        model.FindEntityType(typeof(T)) ?? throw new InvalidOperationException($"{typeof(T).Name} is not in the EF model");
}
