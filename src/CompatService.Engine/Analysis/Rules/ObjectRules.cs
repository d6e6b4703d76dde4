using CompatService.Engine.Btf;
using CompatService.Engine.Linking;
using CompatService.Engine.Object;

namespace CompatService.Engine.Analysis.Rules;

/// <summary>
/// libbpf <c>bpf_object__open</c>: an object libbpf refuses to open (no BTF for a kfunc, an extern without BTF, the
/// legacy <c>maps</c> section dropped in libbpf 1.0, relocations it cannot apply) loads no program at all.
/// </summary>
public sealed class ObjectOpenRule() : VerdictRule(
    RuleCode.AllFail("object", ReasonCodes.NoBtf, ReasonCodes.ExternWithoutBtf, ReasonCodes.LegacyMapsUnsupported, ReasonCodes.ObjectOpenFailed)), IObjectRule
{
    public IEnumerable<ObjectFailure> Check(ObjectContext ctx) =>
        ctx.Object.OpenErrors.Select(p => new ObjectFailure(p.Code, p.Symbol ?? string.Empty, p.Message, ctx.ReferencingPrograms(p.Symbol)));
}

/// <summary>
/// libbpf <c>bpf_object__resolve_externs</c> / <c>bpf_object__resolve_ksyms_btf_id</c>: a STRONG kfunc or typed ksym the
/// kernel's BTF (vmlinux, then modules) lacks, or whose prototype is incompatible (<c>__bpf_core_types_are_compat</c>),
/// fails the whole object; an incompatible typed ksym fails even when weak. On a kernel whose verifier cannot call
/// kfuncs at all (before 5.13) a strong kfunc fails with <c>kfuncs-unsupported</c> instead of "missing".
/// </summary>
public sealed class StrongExternRule() : VerdictRule(
    RuleCode.AllFail("kernel BTF (vmlinux + modules)", ReasonCodes.KfuncMissing, ReasonCodes.KfuncIncompatible, ReasonCodes.KsymMissing, ReasonCodes.KsymIncompatible)), IObjectRule
{
    public IEnumerable<ObjectFailure> Check(ObjectContext ctx)
    {
        foreach (var r in ctx.Resolution.Externs)
        {
            var ext = r.Extern;
            (string Code, string Text)? failure = (ext.Kind, r.Status, ext.IsWeak) switch
            {
                (ExternKind.Kfunc, ExternStatus.Missing or ExternStatus.Incompatible, false) when !ctx.Features.KfuncCalls =>
                    (ReasonCodes.KfuncsUnsupported, $"kfunc '{ext.Name}': {ctx.KernelName} cannot call kfuncs at all ({ctx.Features.KfuncBasis})"),
                (ExternKind.Kfunc, ExternStatus.Missing, false) => (ReasonCodes.KfuncMissing, $"kfunc '{ext.Name}': not found in {ctx.KernelName} (vmlinux or module BTF)"),
                (ExternKind.Kfunc, ExternStatus.Incompatible, false) => (ReasonCodes.KfuncIncompatible, $"kfunc '{ext.Name}': prototype incompatible with {ctx.KernelName}'s `{r.KernelPrototype}`"),
                (ExternKind.TypedKsym, ExternStatus.Missing, false) => (ReasonCodes.KsymMissing, $"ksym '{ext.Name}': not found in {ctx.KernelName} BTF"),
                (ExternKind.TypedKsym, ExternStatus.Incompatible, _) => (ReasonCodes.KsymIncompatible, $"ksym '{ext.Name}': type incompatible with {ctx.KernelName}'s `{r.KernelPrototype}`"),
                _ => null,
            };
            if (failure is { } f) yield return new ObjectFailure(f.Code, ext.Name, f.Text, ctx.ReferencingPrograms(ext.Name));
        }
    }
}

/// <summary>
/// libbpf <c>bpf_map__init_kern_struct_ops</c>: every struct_ops map needs <c>struct X</c> and its
/// <c>bpf_struct_ops_X</c> wrapper in the kernel's BTF (the wrapper says the kernel registered X as a struct_ops type).
/// </summary>
public sealed class StructOpsTypeRule() : VerdictRule(
    RuleCode.AllFail("kernel BTF", ReasonCodes.StructOpsTypeMissing, ReasonCodes.StructOpsMemberMismatch)), IObjectRule
{
    public IEnumerable<ObjectFailure> Check(ObjectContext ctx)
    {
        var any = false;
        foreach (var s in ctx.Object.StructOps)
        {
            string? message = null;
            if (!Exists(ctx, s.TypeName))
                message = $"struct_ops map '{s.Name}': struct {s.TypeName} is not found in {ctx.KernelName} BTF";
            else if (!Exists(ctx, "bpf_struct_ops_" + s.TypeName))
                message = $"struct_ops map '{s.Name}': struct bpf_struct_ops_{s.TypeName} is not found in {ctx.KernelName} BTF (not a struct_ops type there)";
            if (message is null) continue;
            any = true;
            yield return new ObjectFailure(ReasonCodes.StructOpsTypeMissing, s.TypeName, message, new HashSet<string>());
        }
        if (any || ctx.StructOps.Error is not { } error) yield break;
        // libbpf bpf_map__init_kern_struct_ops: the maps' members against the kernel's struct (the loader uses the same layout).
        yield return new ObjectFailure(ctx.StructOps.TypeMissing ? ReasonCodes.StructOpsTypeMissing : ReasonCodes.StructOpsMemberMismatch,
            ctx.Object.StructOps.FirstOrDefault()?.TypeName ?? "", error, new HashSet<string>());
    }

    private static bool Exists(ObjectContext ctx, string name) => ExternResolver.Find(ctx.Kernel, name, BtfKind.Struct) is not null;
}
