namespace CompatService.KernelFacts.Generator;

/// <summary>The few statement shapes a <c>*_func_proto</c> body is made of; anything else is <see cref="OtherStmt"/>.</summary>
public abstract record Stmt
{
    /// <summary>Preprocessor conditions around the statement, relative to the function body.</summary>
    public IReadOnlyList<string> Conditions { get; init; } = [];
}

public sealed record ReturnStmt(string Expr) : Stmt;
public sealed record BreakStmt : Stmt;
/// <summary><c>x = expr;</c> (e.g. <c>fn = raw_tp_prog_func_proto(func_id, prog);</c>).</summary>
public sealed record AssignStmt(string Target, string Expr) : Stmt;
public sealed record IfStmt(string Condition, IReadOnlyList<Stmt> Then, IReadOnlyList<Stmt> Else) : Stmt;
/// <summary><c>switch (func_id)</c>: its body with <see cref="LabelStmt"/>s in place.</summary>
public sealed record SwitchStmt(string Subject, IReadOnlyList<Stmt> Body) : Stmt;
/// <summary><c>case BPF_FUNC_a: case BPF_FUNC_b:</c> (helper names without the prefix) or <c>default:</c>.</summary>
public sealed record LabelStmt(IReadOnlyList<string> Helpers, bool IsDefault) : Stmt
{
    /// <summary>The case values as written (BPF_FUNC_x, BPF_CGROUP_INET_INGRESS, ...).</summary>
    public IReadOnlyList<string> Values { get; init; } = [];
}
public sealed record OtherStmt(string Text) : Stmt;

/// <summary>A parsed <c>*_func_proto(enum bpf_func_id func_id, ...)</c> function.</summary>
public sealed record FuncProtoFunction(string Name, string File, IReadOnlyList<Stmt> Body, IReadOnlySet<string> Locals);
