namespace CompatService.Engine.Btf;

/// <summary>A BTF type id. 0 is void. In split BTF, ids continue after the base's last id.</summary>
public readonly record struct BtfTypeId(uint Value) : IComparable<BtfTypeId>
{
    public static readonly BtfTypeId Void = new(0);
    public bool IsVoid => Value == 0;
    public int CompareTo(BtfTypeId other) => Value.CompareTo(other.Value);
    public override string ToString() => Value.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
