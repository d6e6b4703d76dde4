using System.Text;

namespace CompatService.Engine.Kernels.Surface;

/// <summary>
/// A Bloom filter over names (FNV-1a 64 with double hashing, deterministic across processes): "no" is certain, "maybe"
/// is not. The kernel surface keeps in it the names it does NOT carry the types of, so an object that asks for one of
/// them is judged on the full BTF (a false "maybe" only costs that fallback, never a wrong verdict).
/// </summary>
public sealed class NameFilter
{
    private const int Hashes = 5;
    private readonly byte[] _bits;

    private NameFilter(byte[] bits) => _bits = bits;

    /// <summary>The filter's bits (serialised as they are).</summary>
    public ReadOnlyMemory<byte> Bits => _bits;

    /// <summary>A filter of about 8 bits per name (≈ 2 % false "maybe" with 5 hashes).</summary>
    public static NameFilter Of(IReadOnlyCollection<string> names)
    {
        var filter = new NameFilter(new byte[Math.Max(8, (names.Count + 7) / 8 * 8)]);
        foreach (var n in names) filter.Add(n);
        return filter;
    }

    public static NameFilter FromBits(byte[] bits) => new(bits.Length == 0 ? new byte[8] : bits);

    public bool MayContain(string name)
    {
        var (h1, h2) = Hash(name);
        var m = (ulong)_bits.Length * 8;
        for (ulong i = 0; i < Hashes; i++)
        {
            var bit = (h1 + i * h2) % m;
            if ((_bits[bit >> 3] & (1 << (int)(bit & 7))) == 0) return false;
        }
        return true;
    }

    private void Add(string name)
    {
        var (h1, h2) = Hash(name);
        var m = (ulong)_bits.Length * 8;
        for (ulong i = 0; i < Hashes; i++)
        {
            var bit = (h1 + i * h2) % m;
            _bits[bit >> 3] |= (byte)(1 << (int)(bit & 7));
        }
    }

    private static (ulong, ulong) Hash(string name)
    {
        ulong a = 14695981039346656037UL, b = 1099511628211UL * 31;
        foreach (var c in Encoding.UTF8.GetBytes(name))
        {
            a = (a ^ c) * 1099511628211UL;
            b = (b ^ c) * 0x100000001b3UL + 0x9e3779b97f4a7c15UL;
        }
        return (a, b | 1);
    }
}
