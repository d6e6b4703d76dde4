using CompatService.Engine.Binary;

namespace CompatService.Engine.Btf;

/// <summary>
/// Decodes one btf_type (and its vlen records) into a <see cref="BtfType"/>, checking every referenced type id
/// and string offset and the kind-specific rules the kernel enforces (INT encoding, linkage, component index).
/// The scanner already guaranteed that the records lie inside the type section.
/// </summary>
internal static class BtfTypeDecoder
{
    private const uint MaxIntBits = 128;

    public static BtfType Decode(BtfSpec spec, int local, uint id)
    {
        var r = new Reader(spec, local, id);
        var nameOff = r.U32(0);
        var info = r.U32(4);
        var sizeOrType = r.U32(8);
        var kind = (BtfKind)((info >> 24) & 0x1f);
        var vlen = (int)(info & 0xffff);
        var kindFlag = (info >> 31) != 0;
        var name = r.Name(nameOff, "name");

        switch (kind)
        {
            case BtfKind.Int:
            {
                var data = r.U32(12);
                var encoding = (byte)((data >> 24) & 0x0f);
                var offset = (byte)((data >> 16) & 0xff);
                var bits = (byte)(data & 0xff);
                if ((data & 0xf0000000u) != 0) r.Fail($"INT '{name}' has reserved encoding bits set (0x{data:x8})", 12);
                if (sizeOrType is not (1 or 2 or 4 or 8 or 16)) r.Fail($"INT '{name}' has invalid size {sizeOrType}", 8);
                if (bits > MaxIntBits || offset + bits > sizeOrType * 8) r.Fail($"INT '{name}' has {bits} bits at offset {offset}, beyond its {sizeOrType} bytes", 12);
                if (encoding is not (0 or 1 or 2 or 4)) r.Fail($"INT '{name}' has invalid encoding {encoding}", 12);
                return new BtfInt(new(id), name, sizeOrType, encoding, offset, bits);
            }
            case BtfKind.Ptr:
                return new BtfPtr(new(id), r.Ref(sizeOrType, 8, "pointee"));
            case BtfKind.Array:
                return new BtfArray(new(id), r.Ref(r.U32(12), 12, "element type"), r.Ref(r.U32(16), 16, "index type"), r.U32(20));
            case BtfKind.Struct:
            case BtfKind.Union:
            {
                var members = new BtfMember[vlen];
                for (var i = 0; i < vlen; i++)
                {
                    var at = 12 + i * 12;
                    var memberName = r.Name(r.U32(at), $"member {i} name");
                    var type = r.Ref(r.U32(at + 4), at + 4, $"member {i} type");
                    var offset = r.U32(at + 8);
                    members[i] = kindFlag
                        ? new BtfMember(memberName, type, offset & 0xffffff, offset >> 24)
                        : new BtfMember(memberName, type, offset, 0);
                }
                return new BtfComposite(new(id), name, kind == BtfKind.Union, sizeOrType, members);
            }
            case BtfKind.Enum:
            {
                var values = new BtfEnumValue[vlen];
                for (var i = 0; i < vlen; i++)
                {
                    var at = 12 + i * 8;
                    var raw = r.U32(at + 4);
                    values[i] = new BtfEnumValue(r.Name(r.U32(at), $"enumerator {i} name"), kindFlag ? (int)raw : (long)raw);
                }
                return new BtfEnum(new(id), name, false, sizeOrType, kindFlag, values);
            }
            case BtfKind.Enum64:
            {
                var values = new BtfEnumValue[vlen];
                for (var i = 0; i < vlen; i++)
                {
                    var at = 12 + i * 12;
                    var value = ((ulong)r.U32(at + 8) << 32) | r.U32(at + 4);
                    values[i] = new BtfEnumValue(r.Name(r.U32(at), $"enumerator {i} name"), (long)value);
                }
                return new BtfEnum(new(id), name, true, sizeOrType, kindFlag, values);
            }
            case BtfKind.Fwd:
                return new BtfFwd(new(id), name, kindFlag);
            case BtfKind.Typedef:
            case BtfKind.Volatile:
            case BtfKind.Const:
            case BtfKind.Restrict:
            case BtfKind.TypeTag:
                return new BtfAlias(new(id), name, kind, r.Ref(sizeOrType, 8, "target type"));
            case BtfKind.Func:
            {
                if (vlen > (int)BtfLinkage.Extern) r.Fail($"FUNC '{name}' has invalid linkage {vlen}", 4);
                var proto = r.Ref(sizeOrType, 8, "prototype");
                if (spec.KindOf(proto) != BtfKind.FuncProto) r.Fail($"FUNC '{name}' refers to [{proto}] which is {spec.KindOf(proto)}, not FUNC_PROTO", 8);
                return new BtfFunc(new(id), name, proto, (BtfLinkage)vlen);
            }
            case BtfKind.FuncProto:
            {
                var parameters = new List<BtfParam>(vlen);
                var variadic = false;
                for (var i = 0; i < vlen; i++)
                {
                    var at = 12 + i * 8;
                    var pName = r.U32(at);
                    var pType = r.U32(at + 4);
                    if (i == vlen - 1 && pName == 0 && pType == 0)
                    {
                        variadic = true;
                        break;
                    }
                    parameters.Add(new BtfParam(r.Name(pName, $"param {i} name"), r.Ref(pType, at + 4, $"param {i} type")));
                }
                return new BtfFuncProto(new(id), r.Ref(sizeOrType, 8, "return type"), parameters, variadic);
            }
            case BtfKind.Var:
            {
                var linkage = r.U32(12);
                if (linkage > (uint)BtfLinkage.Extern) r.Fail($"VAR '{name}' has invalid linkage {linkage}", 12);
                return new BtfVar(new(id), name, r.Ref(sizeOrType, 8, "type"), (BtfLinkage)linkage);
            }
            case BtfKind.Datasec:
            {
                var vars = new BtfVarSecInfo[vlen];
                for (var i = 0; i < vlen; i++)
                {
                    var at = 12 + i * 12;
                    vars[i] = new BtfVarSecInfo(r.Ref(r.U32(at), at, $"variable {i}"), r.U32(at + 4), r.U32(at + 8));
                }
                return new BtfDatasec(new(id), name, sizeOrType, vars);
            }
            case BtfKind.Float:
                if (sizeOrType is not (2 or 4 or 8 or 12 or 16)) r.Fail($"FLOAT '{name}' has invalid size {sizeOrType}", 8);
                return new BtfFloat(new(id), name, sizeOrType);
            case BtfKind.DeclTag:
            {
                var component = (int)r.U32(12);
                if (component < -1) r.Fail($"DECL_TAG '{name}' has invalid component index {component}", 12);
                return new BtfDeclTag(new(id), name, r.Ref(sizeOrType, 8, "target"), component);
            }
            default:
                // The scanner rejects unknown kinds; this is unreachable for a spec it accepted.
                throw new BpfFormatException($"unknown BTF kind {(int)kind}", r.Absolute(4), spec.Section, id);
        }
    }

    /// <summary>Reads words of one type record and turns bad references into BpfFormatException with location.</summary>
    private readonly ref struct Reader(BtfSpec spec, int local, uint id)
    {
        private readonly ReadOnlySpan<byte> _type = spec.TypeBytes[spec.OffsetOf(local)..];
        private readonly int _offset = spec.OffsetOf(local);

        public uint U32(int at) => spec.Endian.U32(_type[at..]);

        public long Absolute(int at) => spec.TypeStart + _offset + at;

        public string Name(uint offset, string what)
        {
            if (offset == 0) return string.Empty;
            if (!spec.TryGetString(offset, out var s))
                throw new BpfFormatException($"{what}: string offset {offset} outside the string section (ends at {spec.Strings.End})", Absolute(0), spec.Section, id);
            return s;
        }

        public BtfTypeId Ref(uint target, int at, string what)
        {
            if (target > spec.LastTypeId)
                throw new BpfFormatException($"{what} refers to type id {target} beyond the last id {spec.LastTypeId}", Absolute(at), spec.Section, id);
            return new BtfTypeId(target);
        }

        public void Fail(string message, int at) => throw new BpfFormatException(message, Absolute(at), spec.Section, id);
    }
}
