using System.Text;
using CompatService.Engine.Btf;

namespace CompatService.Engine.Linking;

/// <summary>Describes a local access spec the way libbpf logs it: "struct task_struct.se.vruntime", "enum foo::BAR", "struct foo".</summary>
public static class CoreSpecFormatter
{
    public static string Describe(CoreSpec spec)
    {
        var root = spec.Btf.GetType(spec.RootId);
        var sb = new StringBuilder();
        sb.Append(root.Kind switch
        {
            BtfKind.Struct => "struct ",
            BtfKind.Union => "union ",
            BtfKind.Enum or BtfKind.Enum64 => "enum ",
            BtfKind.Typedef => "typedef ",
            _ => "",
        }).Append(root.Name.Length == 0 ? $"[{spec.RootId}]" : root.Name);
        if (CoreReloKinds.IsEnumval(spec.Kind)) return sb.Append("::").Append(spec.Accessors[0].Name).ToString();
        if (CoreReloKinds.IsType(spec.Kind)) return sb.ToString();
        for (var i = 0; i < spec.Accessors.Count; i++)
        {
            var a = spec.Accessors[i];
            if (a.Name is not null) sb.Append('.').Append(a.Name);
            else if (i > 0 || a.Index != 0) sb.Append('[').Append(a.Index).Append(']');
        }
        return sb.ToString();
    }
}
