namespace CompatService.Engine.Btf;

/// <summary>
/// A BTF string section. In split BTF, offsets below <see cref="Start"/> belong to the base's table and offsets
/// continue after the base's last byte. The section is known to end with NUL, so every string is terminated.
/// </summary>
internal sealed class BtfStringTable
{
    private readonly ReadOnlyMemory<byte> _own;

    public BtfStringTable(ReadOnlyMemory<byte> own, BtfStringTable? baseTable)
    {
        _own = own;
        Base = baseTable;
        Start = baseTable?.End ?? 0;
    }

    public BtfStringTable? Base { get; }
    public uint Start { get; }
    public uint End => Start + (uint)_own.Length;
    public ReadOnlyMemory<byte> Own => _own;

    /// <summary>The bytes of the string at <paramref name="offset"/> (without its NUL), or false when out of range.</summary>
    public bool TryGet(uint offset, out ReadOnlySpan<byte> value)
    {
        if (offset < Start)
        {
            if (Base is not null) return Base.TryGet(offset, out value);
            value = default;
            return false;
        }
        var rel = offset - Start;
        var own = _own.Span;
        if (rel >= (uint)own.Length)
        {
            value = default;
            return false;
        }
        var rest = own[(int)rel..];
        var end = rest.IndexOf((byte)0);
        if (end < 0)
        {
            value = default;
            return false;
        }
        value = rest[..end];
        return true;
    }
}
