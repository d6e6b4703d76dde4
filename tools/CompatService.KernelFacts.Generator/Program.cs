using CompatService.Engine.KernelFacts;
using CompatService.KernelFacts.Generator;

// gen-kernel-facts --source DIR --version 6.1 --package linux-source-6.1 --package-version 6.1.192-3 --sha256 HEX
//                  [--suite bookworm] --out FILE(.json|.json.gz)
var options = new Dictionary<string, string>(StringComparer.Ordinal);
for (var i = 0; i + 1 < args.Length; i += 2)
{
    if (!args[i].StartsWith("--", StringComparison.Ordinal)) { Console.Error.WriteLine($"gen-kernel-facts: unexpected '{args[i]}'"); return 2; }
    options[args[i][2..]] = args[i + 1];
}
if (options.TryGetValue("dump", out var dump))
{
    // --dump FILE:FUNCTION prints the parsed statements of one func_proto function (for debugging the parser).
    var (file, func) = (dump[..dump.LastIndexOf(':')], dump[(dump.LastIndexOf(':') + 1)..]);
    foreach (var f in FuncProtoParser.Parse(CSource.Load(options["source"], file)).Where(f => f.Name == func))
        Print(f.Body, "");
    return 0;
}
if (options.TryGetValue("explain", out var explain))
{
    // --explain FUNCTION:HELPER evaluates one helper against one func_proto function of the tree.
    var fns = new Dictionary<string, FuncProtoFunction>(StringComparer.Ordinal);
    foreach (var rel in FactsBuilder.CandidateFiles(options["source"]))
        foreach (var f in FuncProtoParser.Parse(CSource.Load(options["source"], rel))) fns.TryAdd(f.Name, f);
    var parts = explain.Split(':');
    Console.WriteLine(fns.TryGetValue(parts[0], out var fn) ? $"{fn.File}: locals {string.Join(",", fn.Locals)}" : "not found");
    foreach (var alt in new FuncProtoEvaluator(fns).Allowed(parts[0], parts[1])) Console.WriteLine("allowed when: " + string.Join(" && ", alt));
    return 0;
}
static void Print(IEnumerable<Stmt> body, string indent)
{
    foreach (var s in body)
    {
        var c = s.Conditions.Count > 0 ? $" [#{string.Join(" && ", s.Conditions)}]" : "";
        switch (s)
        {
            case IfStmt f: Console.WriteLine($"{indent}if ({f.Condition}){c}"); Print(f.Then, indent + "  "); if (f.Else.Count > 0) { Console.WriteLine(indent + "else"); Print(f.Else, indent + "  "); } break;
            case SwitchStmt w: Console.WriteLine($"{indent}switch ({w.Subject}){c}"); Print(w.Body, indent + "  "); break;
            default: Console.WriteLine($"{indent}{s.GetType().Name[..^4]} {s switch { ReturnStmt r => r.Expr, AssignStmt a => a.Target + " = " + a.Expr, LabelStmt l => l.IsDefault ? "default" : string.Join(",", l.Helpers), OtherStmt o => o.Text, _ => "" }}{c}"); break;
        }
    }
}
string[] required = ["source", "version", "package", "package-version", "sha256", "out"];
var missing = required.Where(r => !options.ContainsKey(r)).ToArray();
if (missing.Length > 0 || args.Length % 2 != 0)
{
    Console.Error.WriteLine("usage: gen-kernel-facts --source DIR --version MAJOR.MINOR --package NAME --package-version V --sha256 HEX [--suite S] --out FILE.json[.gz]");
    if (missing.Length > 0) Console.Error.WriteLine("missing: --" + string.Join(", --", missing));
    return 2;
}
if (!File.Exists(Path.Combine(options["source"], "include", "linux", "bpf_types.h")))
{
    Console.Error.WriteLine($"gen-kernel-facts: {options["source"]} is not a Linux source tree (no include/linux/bpf_types.h)");
    return 2;
}
var table = FactsBuilder.Build(options["source"], options["version"],
    new KernelFactsSource(options["package"], options["package-version"], options["sha256"], options.GetValueOrDefault("suite")));
var bytes = KernelFactsJson.Write(table, gzip: options["out"].EndsWith(".gz", StringComparison.Ordinal));
File.WriteAllBytes(options["out"], bytes);
Console.WriteLine($"{table.Version}: {table.KfuncSets.Sum(s => s.Kfuncs.Count)} kfuncs in {table.KfuncSets.Count} sets, " +
    $"{table.Registrations.Count} registrations, {table.Helpers.Count - 1} helpers, {table.ProgramTypes.Count} program types " +
    $"({table.ProgramTypes.Sum(p => p.Helpers.Count)} allowed pairs), {table.KfuncHooks.Count} kfunc hooks -> {options["out"]} ({bytes.Length} bytes)");
return 0;
