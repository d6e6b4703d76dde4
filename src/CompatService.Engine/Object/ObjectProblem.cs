namespace CompatService.Engine.Object;

/// <summary>Why libbpf would refuse to open the object: a reason code (ReasonCodes), the symbol, a message.</summary>
public sealed record ObjectProblem(string Code, string? Symbol, string Message)
{
    public override string ToString() => Message;
}
