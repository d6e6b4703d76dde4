namespace CompatService.Data.Entities;

/// <summary>The kernel .config text that came with a kernel (image package or corpus dir), one per kernel.</summary>
public sealed class KernelConfigEntity : IOnePerKernel
{
    public long KernelId { get; set; }
    public required string Text { get; set; }
}
