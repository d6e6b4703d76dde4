namespace CompatService.Data.Entities;

/// <summary>A table that extends its kernel with at most one row (config text, surface, bootable image).</summary>
public interface IOnePerKernel
{
    long KernelId { get; }
}
