using System.Buffers.Binary;

namespace CompatService.Engine.Kernels;

/// <summary>
/// The symbols' addresses, which kallsyms keeps sorted ascending, in one of the layouts scripts/kallsyms.c has written
/// for 64-bit kernels: <c>kallsyms_offsets</c> (s32 per symbol) plus <c>kallsyms_relative_base</c>
/// (CONFIG_KALLSYMS_BASE_RELATIVE: address = base + (u32)offset; with CONFIG_KALLSYMS_ABSOLUTE_PERCPU a non-negative
/// offset is the absolute (per-cpu) address and a negative one is base - 1 - offset), offsets relative to their own
/// place (newer kernels: address = address of the entry + offset, known only when the caller maps file offsets to
/// virtual addresses), or absolute <c>kallsyms_addresses</c> (u64). Before 6.4 the table sits before
/// <c>kallsyms_num_syms</c>; from 6.4 after <c>kallsyms_token_index</c>. A layout is taken only when every address
/// it gives is in ascending order.
/// </summary>
internal static class KallsymsAddresses
{
    public sealed record Result(ulong[] Addresses, string Layout);

    public static Result? Find(ReadOnlySpan<byte> d, int count, int countAt, int tokenIndexEnd, bool oldLayoutFirst,
        Func<long, ulong?>? addressOf)
    {
        var after = new[] { tokenIndexEnd, tokenIndexEnd + 4 };
        return oldLayoutFirst
            ? Before(d, count, countAt) ?? After(d, count, after, addressOf)
            : After(d, count, after, addressOf) ?? Before(d, count, countAt);
    }

    /// <summary>≤ 6.3: offsets, relative base (8 bytes), then num_syms; or absolute addresses right before num_syms.</summary>
    private static Result? Before(ReadOnlySpan<byte> d, int n, int countAt)
    {
        var baseAt = countAt - 8;
        foreach (var start in new[] { baseAt - 4 * n, baseAt - 4 * n - 4 })
            if (start >= 0 && KallsymsNames.IsZero(d, start + 4 * n, baseAt) && Relative(d, n, start, baseAt) is { } r) return r;
        return Absolute(d, n, countAt - 8 * n);
    }

    /// <summary>≥ 6.4: offsets (then the relative base) or absolute addresses right after the token index.</summary>
    private static Result? After(ReadOnlySpan<byte> d, int n, int[] starts, Func<long, ulong?>? addressOf)
    {
        foreach (var start in starts)
        {
            if (!KallsymsNames.IsZero(d, starts[0], start)) continue;
            var end = start + 4 * n;
            foreach (var baseAt in new[] { end, end + 4 })
                if (KallsymsNames.IsZero(d, end, baseAt) && Relative(d, n, start, baseAt) is { } r) return r;
            if (PlaceRelative(d, n, start, addressOf) is { } p) return p;
            if (Absolute(d, n, start) is { } a) return a;
        }
        return null;
    }

    private static bool Fits(ReadOnlySpan<byte> d, long start, long length) => start >= 0 && length >= 0 && start + length <= d.Length;

    private static Result? Relative(ReadOnlySpan<byte> d, int n, int start, int baseAt)
    {
        if (!Fits(d, start, 4L * n) || !Fits(d, baseAt, 8)) return null;
        var relativeBase = BinaryPrimitives.ReadUInt64LittleEndian(d[baseAt..]);
        // A 64-bit kernel's base is a canonical kernel address (0xffff...), or 0 where the image leaves it to boot-time
        // relocation (arm64 with CONFIG_RELOCATABLE): the addresses are then offsets from _text.
        if (relativeBase != 0 && relativeBase >> 48 != 0xffff) return null;
        var offsets = d.Slice(start, 4 * n);
        var plain = new ulong[n];
        for (var i = 0; i < n; i++) plain[i] = relativeBase + BinaryPrimitives.ReadUInt32LittleEndian(offsets[(4 * i)..]);
        if (Ascending(plain))
            return new Result(plain, "kallsyms_offsets + kallsyms_relative_base" + (relativeBase == 0 ? " (0 in the image: relocated at boot; addresses are offsets from the lowest symbol)" : ""));
        if (relativeBase == 0) return null;
        for (var i = 0; i < n; i++)
        {
            long o = BinaryPrimitives.ReadInt32LittleEndian(offsets[(4 * i)..]);
            plain[i] = o >= 0 ? (ulong)o : relativeBase - 1 - (ulong)o;
        }
        return Ascending(plain) ? new Result(plain, "kallsyms_offsets + kallsyms_relative_base (absolute per-cpu)") : null;
    }

    private static Result? PlaceRelative(ReadOnlySpan<byte> d, int n, int start, Func<long, ulong?>? addressOf)
    {
        if (!Fits(d, start, 4L * n) || addressOf?.Invoke(start) is not { } at) return null;
        var addresses = new ulong[n];
        for (var i = 0; i < n; i++)
            addresses[i] = at + (ulong)(4L * i) + (ulong)(long)BinaryPrimitives.ReadInt32LittleEndian(d[(start + 4 * i)..]);
        return Ascending(addresses) && addresses[0] >> 63 != 0 ? new Result(addresses, "kallsyms_offsets relative to their place") : null;
    }

    private static Result? Absolute(ReadOnlySpan<byte> d, int n, int start)
    {
        if (!Fits(d, start, 8L * n)) return null;
        var addresses = new ulong[n];
        for (var i = 0; i < n; i++) addresses[i] = BinaryPrimitives.ReadUInt64LittleEndian(d[(start + 8 * i)..]);
        return Ascending(addresses) && addresses[^1] >> 63 != 0 ? new Result(addresses, "kallsyms_addresses") : null;
    }

    private static bool Ascending(ulong[] a)
    {
        for (var i = 1; i < a.Length; i++)
            if (a[i] < a[i - 1]) return false;
        return true;
    }
}
