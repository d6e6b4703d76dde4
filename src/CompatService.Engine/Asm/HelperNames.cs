namespace CompatService.Engine.Asm;

// CONTRACT STUB — replaced by the generated helper-id table (asm helper).
public static class HelperNames
{
    public static string Name(int id) => $"helper#{id}";
}
