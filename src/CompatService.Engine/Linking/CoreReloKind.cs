namespace CompatService.Engine.Linking;

/// <summary>CO-RE relocation kinds, numbered as in the kernel's enum bpf_core_relo_kind (the .BTF.ext record's kind field).</summary>
public enum CoreReloKind : uint
{
    FieldByteOffset = 0,
    FieldByteSize = 1,
    FieldExists = 2,
    FieldSigned = 3,
    FieldLShiftU64 = 4,
    FieldRShiftU64 = 5,
    TypeIdLocal = 6,
    TypeIdTarget = 7,
    TypeExists = 8,
    TypeSize = 9,
    EnumvalExists = 10,
    EnumvalValue = 11,
    TypeMatches = 12,
}

/// <summary>Names and families of <see cref="CoreReloKind"/>.</summary>
public static class CoreReloKinds
{
    /// <summary>Kebab-case name used in fixup kinds ("core-" + name): field-byte-offset, type-id-target, enumval-value, ...</summary>
    public static string Name(CoreReloKind kind) => kind switch
    {
        CoreReloKind.FieldByteOffset => "field-byte-offset",
        CoreReloKind.FieldByteSize => "field-byte-size",
        CoreReloKind.FieldExists => "field-exists",
        CoreReloKind.FieldSigned => "field-signed",
        CoreReloKind.FieldLShiftU64 => "field-lshift-u64",
        CoreReloKind.FieldRShiftU64 => "field-rshift-u64",
        CoreReloKind.TypeIdLocal => "type-id-local",
        CoreReloKind.TypeIdTarget => "type-id-target",
        CoreReloKind.TypeExists => "type-exists",
        CoreReloKind.TypeSize => "type-size",
        CoreReloKind.EnumvalExists => "enumval-exists",
        CoreReloKind.EnumvalValue => "enumval-value",
        CoreReloKind.TypeMatches => "type-matches",
        _ => $"kind-{(uint)kind}",
    };

    public static bool IsField(CoreReloKind k) => k <= CoreReloKind.FieldRShiftU64;
    public static bool IsType(CoreReloKind k) => k is >= CoreReloKind.TypeIdLocal and <= CoreReloKind.TypeSize or CoreReloKind.TypeMatches;
    public static bool IsEnumval(CoreReloKind k) => k is CoreReloKind.EnumvalExists or CoreReloKind.EnumvalValue;

    /// <summary>Existence checks give 0 when nothing matches; every other kind poisons the instruction.</summary>
    public static bool IsExistence(CoreReloKind k) => k is CoreReloKind.FieldExists or CoreReloKind.TypeExists or CoreReloKind.TypeMatches or CoreReloKind.EnumvalExists;
}
