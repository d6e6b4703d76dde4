using System.Reflection;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;

namespace CompatService.Data;

/// <summary>
/// The store's naming and typing rules, applied once to the whole model after the entity configurations (which then
/// only say what is particular: keys other than Id, indexes, relationships, compression):
/// a table is its DbSet's name in snake_case ("MatrixWork" → matrix_work), a column its property's name in snake_case;
/// a string property named XJson holds JSON (jsonb column "x"); a <see cref="Sha256HexAttribute"/> property is char(64).
/// A column name given explicitly ([Column] or HasColumnName) wins.
/// </summary>
internal static class ModelConventions
{
    private const string JsonSuffix = "Json";

    public static void Apply(IMutableModel model)
    {
        foreach (var entity in model.GetEntityTypes())
        {
            entity.SetTableName(CompatDbContext.SnakeCase(entity.GetTableName()!));
            entity.SetSchema(null);
            foreach (var property in entity.GetProperties())
                Apply(property);
        }
    }

    private static void Apply(IMutableProperty property)
    {
        var name = property.Name;
        if (property.ClrType == typeof(string) && name.Length > JsonSuffix.Length && name.EndsWith(JsonSuffix, StringComparison.Ordinal))
        {
            property.SetColumnType("jsonb");
            name = name[..^JsonSuffix.Length];
        }
        if (property.GetColumnName() == property.Name)
            property.SetColumnName(CompatDbContext.SnakeCase(name));
        if (property.PropertyInfo?.GetCustomAttribute<Sha256HexAttribute>() is not null)
        {
            property.SetMaxLength(64);
            property.SetIsFixedLength(true);
        }
    }
}

/// <summary>A lower-case hex sha256: stored as char(64).</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class Sha256HexAttribute : Attribute;
