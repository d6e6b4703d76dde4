namespace CompatService.Engine.Preparation;

/// <summary>
/// What the agent's own loader cannot load (its limits, not the kernel's): the messages it refuses with. A lab cell whose
/// observation is one of these was not observed — the kernel was never asked (<see cref="IsLoaderLimit"/>).
/// </summary>
public static class LoaderLimits
{
    public const string StructOpsMapCreate = "struct_ops maps are not supported by the agent's loader";
    /// <summary><see cref="StructOpsMapCreate"/> with its reason.</summary>
    public const string StructOpsMaps = StructOpsMapCreate + " (they need registration through the struct_ops map)";
    public const string StructOpsPrograms = "struct_ops programs need their struct_ops map, which the agent's loader does not support";
    public const string FreplacePrograms = "freplace programs need a target program fd, which the agent's loader does not take";

    private static readonly string[] Refusals = [StructOpsMapCreate, StructOpsPrograms, FreplacePrograms];

    public static bool IsLoaderLimit(string? message) =>
        message is not null && Refusals.Any(r => message.Contains(r, StringComparison.Ordinal));
}
