namespace CompatService.Engine.Object;

// CONTRACT STUB — replaced by the libbpf section-name table (asm helper).
public static class ProgramSections
{
    public static ProgramSectionInfo? Resolve(string sectionName) =>
        new(sectionName.TrimStart('?').Split('/')[0], 0, null, 0, null, false, !sectionName.StartsWith('?'));
}
