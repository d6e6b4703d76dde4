using CompatService.Engine.Btf;

namespace CompatService.Engine.Linking;

/// <summary>
/// The value one relocation takes from one spec (libbpf bpf_core_calc_field_relo / _type_relo / _enumval_relo).
/// <see cref="Poison"/>: no target matched and the kind is not an existence check. <see cref="Validate"/>: the compiled
/// instruction must hold the local value (off for bitfield-ambiguous values). <see cref="FieldSize"/> and
/// <see cref="FieldTypeId"/> are set for non-bitfield FIELD_BYTE_OFFSET (memory size adjustment of loads/stores).
/// </summary>
public readonly record struct CoreValue(ulong Value, bool Poison, bool Validate, uint FieldSize, BtfTypeId FieldTypeId);

public static class CoreRelocationCalc
{
    /// <summary>Value of <paramref name="kind"/> for <paramref name="spec"/>; a null spec means no candidate matched.</summary>
    public static CoreValue Calc(CoreReloKind kind, CoreSpec? spec, BtfTypeId localRootId, bool littleEndian)
    {
        if (kind == CoreReloKind.TypeIdLocal) return new(localRootId.Value, false, false, 0, default); // ids may change at link time: not checked
        // Type-based relocations give 0 when the type is missing (no poisoning, whatever the kind); field and
        // enumerator ones poison unless they are existence checks.
        if (spec is null)
            return CoreReloKinds.IsExistence(kind) || CoreReloKinds.IsType(kind) ? new(0, false, true, 0, default) : new(0, true, true, 0, default);
        if (CoreReloKinds.IsType(kind))
            return kind switch
            {
                // A type id may change when objects are linked: libbpf does not check the compiled value.
                CoreReloKind.TypeIdTarget => new(spec.RootId.Value, false, false, 0, default),
                CoreReloKind.TypeSize => new(BtfWalk.SizeOf(spec.Btf, spec.RootId) ?? throw new CoreRelocationException($"type [{spec.RootId}] has no size"), false, true, 0, default),
                _ => new(1, false, true, 0, default),
            };
        if (CoreReloKinds.IsEnumval(kind))
        {
            if (kind == CoreReloKind.EnumvalExists) return new(1, false, true, 0, default);
            var e = (BtfEnum)spec.Btf.GetType(BtfWalk.SkipModsAndTypedefs(spec.Btf, spec.RootId));
            return new((ulong)e.Values[spec.Accessors[0].Index].Value, false, true, 0, default);
        }
        return Field(kind, spec, littleEndian);
    }

    private static CoreValue Field(CoreReloKind kind, CoreSpec spec, bool littleEndian)
    {
        if (kind == CoreReloKind.FieldExists) return new(1, false, true, 0, default);
        var btf = spec.Btf;
        var acc = spec.Accessors[^1];
        if (acc.Name is null)
        {
            // Array element (or the root itself): only offset and size make sense.
            var size = (uint)(BtfWalk.SizeOf(btf, acc.TypeId) ?? 0);
            return kind switch
            {
                CoreReloKind.FieldByteOffset => new((ulong)(spec.BitOffset / 8), false, true, size, BtfWalk.SkipModsAndTypedefs(btf, acc.TypeId)),
                CoreReloKind.FieldByteSize => new(size, false, true, 0, default),
                _ => throw new CoreRelocationException($"{CoreReloKinds.Name(kind)} cannot be applied to an array access"),
            };
        }
        var member = ((BtfComposite)btf.GetType(acc.TypeId)).Members[acc.Index];
        var fieldTypeId = BtfWalk.SkipModsAndTypedefs(btf, member.Type);
        var fieldType = btf.GetType(fieldTypeId);
        var bitOff = spec.BitOffset;
        var bitfield = member.BitfieldSize > 0;
        long byteSize, byteOff, bitSize;
        if (!bitfield)
        {
            byteSize = (long)(BtfWalk.SizeOf(btf, fieldTypeId) ?? throw new CoreRelocationException($"field '{member.Name}' has no size"));
            byteOff = bitOff / 8;
            bitSize = byteSize * 8;
        }
        else
        {
            byteSize = fieldType switch { BtfInt i => i.Size, BtfEnum en => en.Size, _ => throw new CoreRelocationException($"bitfield '{member.Name}' of non-integer type") };
            if (byteSize == 0) throw new CoreRelocationException($"bitfield '{member.Name}' of size 0");
            bitSize = member.BitfieldSize;
            byteOff = bitOff / 8 / byteSize * byteSize;
            // The load must cover the whole bitfield: widen it until it does (up to 8 bytes).
            while (bitOff + bitSize - byteOff * 8 > byteSize * 8)
            {
                if (byteSize >= 8) throw new CoreRelocationException($"bitfield '{member.Name}' cannot be read with one load");
                byteSize *= 2;
                byteOff = bitOff / 8 / byteSize * byteSize;
            }
        }
        return kind switch
        {
            CoreReloKind.FieldByteOffset => new((ulong)byteOff, false, !bitfield, bitfield ? 0u : (uint)byteSize, bitfield ? default : fieldTypeId),
            CoreReloKind.FieldByteSize => new((ulong)byteSize, false, !bitfield, 0, default),
            CoreReloKind.FieldSigned => new(fieldType switch { BtfEnum en => en.IsSigned ? 1UL : 0, BtfInt i => i.IsSigned ? 1UL : 0, _ => 0 }, false, true, 0, default),
            CoreReloKind.FieldLShiftU64 => new((ulong)(littleEndian ? 64 - (bitOff + bitSize - byteOff * 8) : 64 - byteSize * 8 + (bitOff - byteOff * 8)), false, !bitfield, 0, default),
            CoreReloKind.FieldRShiftU64 => new((ulong)(64 - bitSize), false, true, 0, default),
            _ => throw new CoreRelocationException($"unknown field relocation kind {(uint)kind}"),
        };
    }
}
