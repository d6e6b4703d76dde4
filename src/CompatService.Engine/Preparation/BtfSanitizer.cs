namespace CompatService.Engine.Preparation;

/// <summary>
/// Rewrites BTF kinds the kernel lacks into ones it accepts, in place and length-preserving (libbpf
/// bpf_object__sanitize_btf): VAR/DECL_TAG → INT, DATASEC → STRUCT, FUNC_PROTO → ENUM, FUNC → TYPEDEF,
/// global FUNC → static, FLOAT → empty STRUCT, TYPE_TAG → CONST, ENUM64 → UNION of a placeholder INT.
/// </summary>
public static class BtfSanitizer
{
    /// <summary>Returns how many types were rewritten.</summary>
    public static int Sanitize(RawBtf btf, KernelBtfFeatures f)
    {
        if (!f.NeedsSanitizing) return 0;
        var changed = 0;
        uint enum64Placeholder = 0;
        var count = btf.Count; // types appended below are already valid
        for (uint id = 1; id < count; id++)
        {
            var kind = btf.Kind(id);
            var vlen = btf.Vlen(id);
            if ((!f.Datasec && kind == RawBtfKind.Var) || (!f.DeclTag && kind == RawBtfKind.DeclTag))
            {
                btf.SetInfo(id, RawBtfKind.Int, 0);
                btf.SetSizeOrType(id, 1);
                btf.SetWord(id, 0, 8); // BTF_INT_ENC(0, 0, 8)
            }
            else if (!f.Datasec && kind == RawBtfKind.Datasec)
            {
                btf.ReplaceStringChars(btf.NameOff(id), '.', '_');
                btf.ReplaceStringChars(btf.NameOff(id), '?', '_');
                btf.SetInfo(id, RawBtfKind.Struct, vlen);
                for (var j = 0; j < vlen; j++)
                {
                    var type = btf.Word(id, 3 * j);
                    var offset = btf.Word(id, 3 * j + 1);
                    btf.SetWord(id, 3 * j + 2, offset * 8); // member bit offset
                    btf.SetWord(id, 3 * j + 1, type);
                    btf.SetWord(id, 3 * j, type != 0 && type < count ? btf.NameOff(type) : 0);
                }
            }
            else if (!f.QmarkDatasec && kind == RawBtfKind.Datasec && btf.Name(id).StartsWith('?'))
                btf.ReplaceStringChars(btf.NameOff(id), '?', '_');
            else if (!f.Func && kind == RawBtfKind.FuncProto)
            {
                btf.SetInfo(id, RawBtfKind.Enum, vlen);
                btf.SetSizeOrType(id, 4);
            }
            else if (!f.Func && kind == RawBtfKind.Func) btf.SetInfo(id, RawBtfKind.Typedef, 0);
            else if (!f.FuncGlobal && kind == RawBtfKind.Func) btf.SetInfo(id, RawBtfKind.Func, 0);
            else if (!f.Float && kind == RawBtfKind.Float)
            {
                btf.SetNameOff(id, 0);
                btf.SetInfo(id, RawBtfKind.Struct, 0);
            }
            else if (!f.TypeTag && kind == RawBtfKind.TypeTag)
            {
                btf.SetNameOff(id, 0);
                btf.SetInfo(id, RawBtfKind.Const, 0);
            }
            else if (!f.Enum64 && kind == RawBtfKind.Enum) btf.SetInfo(id, RawBtfKind.Enum, vlen, kflag: false);
            else if (!f.Enum64 && kind == RawBtfKind.Enum64)
            {
                if (enum64Placeholder == 0)
                    enum64Placeholder = btf.AddType(RawBtfKind.Int, btf.AddString("enum64_placeholder"), 0, 1, 8);
                btf.SetInfo(id, RawBtfKind.Union, vlen);
                for (var j = 0; j < vlen; j++)
                {
                    btf.SetWord(id, 3 * j + 1, enum64Placeholder);
                    btf.SetWord(id, 3 * j + 2, 0);
                }
            }
            else continue;
            changed++;
        }
        return changed;
    }
}
