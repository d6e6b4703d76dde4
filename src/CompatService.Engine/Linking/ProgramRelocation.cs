using CompatService.Engine.Analysis;

namespace CompatService.Engine.Linking;

/// <summary>
/// `compat relocate`: the fixups of one program on one kernel, its instructions after <see cref="FixupApplier"/> (hex, in
/// the object's byte order), the module names by fd_array slot (slot 1 first) and the program's verdict.
/// </summary>
public sealed record ProgramRelocation(
    string Program, IReadOnlyList<Fixup> Fixups, IReadOnlyList<string> Modules, IReadOnlyList<string> InstructionsHex, ProgramResult Result);
