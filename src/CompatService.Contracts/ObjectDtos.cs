namespace CompatService.Contracts;

public sealed record ObjectDto(
    long Id, string Sha256, string Name, IReadOnlyDictionary<string, string> Labels, long Size,
    DateTimeOffset CreatedAt, IReadOnlyList<ProgramSummary> Programs, string? License, IReadOnlyList<string> OpenErrors);

/// <summary>
/// GET /api/objects/{id}/requirements: what each program needs (programs[].requirements), the maps libbpf creates, and
/// per program and kernel stream the oldest stored kernel it loads from and why not on the one before.
/// </summary>
public sealed record ObjectRequirementsDto(
    long Id, string Sha256, string Name, IReadOnlyList<ProgramSummary> Programs, IReadOnlyList<MapRequirement> MapTypes,
    IReadOnlyList<ProgramMinimumKernels> MinimumKernels);

/// <summary>Disassembly of a program with the fixups of a chosen kernel marked.</summary>
public sealed record DisassemblyDto(string Program, long? KernelId, IReadOnlyList<DisassemblyLine> Lines, IReadOnlyList<Fixup> Fixups);

public sealed record DisassemblyLine(int Insn, string Hex, string Text, string? FixupKind, string? FixupText);

/// <summary>`POST /api/ci/check` answer (JSON form).</summary>
public sealed record CiCheckResponse(bool Ok, MatrixReport Matrix);
