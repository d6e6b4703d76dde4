namespace CompatService.Engine.Object;

/// <summary>The kernel's license_is_gpl_compatible() list.</summary>
public static class LicenseRules
{
    private static readonly string[] Compatible =
        ["GPL", "GPL v2", "GPL and additional rights", "Dual BSD/GPL", "Dual MIT/GPL", "Dual MPL/GPL"];

    public static bool IsGplCompatible(string? license) => license is not null && Array.IndexOf(Compatible, license) >= 0;
}
