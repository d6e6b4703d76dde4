using System.ComponentModel.DataAnnotations;

namespace CompatService.Data.Entities;

/// <summary>An entry program of an object, as the engine's Inspect reports it.</summary>
public sealed class ObjectProgramEntity
{
    public long Id { get; set; }
    public long ObjectId { get; set; }
    /// <summary>Position in the object (the engine's order).</summary>
    public int Ordinal { get; set; }
    [MaxLength(512)]
    public required string Name { get; set; }
    [MaxLength(512)]
    public required string Section { get; set; }
    [MaxLength(64)]
    public required string Type { get; set; }
    public string? AttachType { get; set; }
    public string? AttachTarget { get; set; }
    public bool AutoLoad { get; set; }
    public int Insns { get; set; }
    /// <summary>jsonb array of helper names.</summary>
    public string HelpersJson { get; set; } = "[]";

    public List<ProgramRequirementEntity> Requirements { get; set; } = [];
}
