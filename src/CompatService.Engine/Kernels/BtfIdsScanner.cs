using CompatService.Engine.Binary;

namespace CompatService.Engine.Kernels;

/// <summary>One kfunc recovered from the kfunc sets of a kernel image: its name and KF_* flags.</summary>
public readonly record struct KfuncSetEntry(string Name, uint Flags);

/// <summary>One BTF_SET8 found in the scanned bytes (for diagnostics and tests).</summary>
public sealed record BtfIdsSet(long Offset, uint Count, uint SetFlags, int UnresolvedIds, IReadOnlyList<KfuncSetEntry> Entries);

/// <summary>
/// Recovers kfunc sets and their KF_* flags from a kernel image's <c>.BTF_ids</c> bytes without symbols.
/// A kfunc set is a <c>struct btf_id_set8 { u32 cnt; u32 flags; struct { u32 id; u32 flags; } pairs[cnt]; }</c>
/// that resolve_btfids sorted by id. Sets are recognised by shape: 4-byte aligned, set flags only
/// BTF_SET8_KFUNCS (bit 0, from 6.9 on; older kernels write 0), ids non-decreasing, every non-zero id a FUNC in
/// the kernel BTF (unresolved ids are 0 and therefore sort first), pair flags within the KF_* range.
/// When any set carries BTF_SET8_KFUNCS the kernel marks all its kfunc sets, so unmarked sets (e.g. fmod_ret
/// allow-lists) are dropped; on older kernels every set8 is a kfunc set.
/// Pure: bytes in, entries out.
/// </summary>
public static class BtfIdsScanner
{
    /// <summary>BTF_SET8_KFUNCS: the set lists kfuncs (include/linux/btf_ids.h, 6.9+).</summary>
    public const uint SetKfuncsFlag = 1u << 0;

    /// <summary>
    /// Members of BTF_SET8s that kernels before BTF_SET8_KFUNCS (6.9) registered only as fmod_ret allow-lists
    /// (register_btf_fmodret_id_set), never as kfuncs: mptcp's update_socket_protocol (6.6+; still an unflagged set in
    /// 7.x) and HID-BPF's entry points (6.3–6.10). On such kernels a set made only of these is not a kfunc set.
    /// </summary>
    public static readonly IReadOnlySet<string> UnflaggedFmodRetOnly = new HashSet<string>(StringComparer.Ordinal)
    {
        "update_socket_protocol", "hid_bpf_device_event", "hid_bpf_rdesc_fixup",
    };

    /// <summary>
    /// Scans <paramref name="imageOrSection"/> (a <c>.BTF_ids</c> section, or a window of a raw image after its
    /// .BTF blob) and returns every kfunc with its flags, merged over all sets (flags OR'ed), sorted by name (ordinal).
    /// </summary>
    /// <param name="funcNameOfId">name of the FUNC with this BTF id, or null when the id is not a FUNC.</param>
    /// <param name="maxTypeId">largest valid type id in the BTF the ids refer to.</param>
    public static IReadOnlyList<KfuncSetEntry> Scan(ReadOnlySpan<byte> imageOrSection, Endian endian,
        Func<uint, string?> funcNameOfId, uint maxTypeId)
        => Merge(FindSets(imageOrSection, endian, funcNameOfId, maxTypeId));

    /// <summary>Merges sets into one entry per name (flags OR'ed), sorted by name (ordinal).</summary>
    public static IReadOnlyList<KfuncSetEntry> Merge(IEnumerable<BtfIdsSet> sets)
    {
        ArgumentNullException.ThrowIfNull(sets);
        var merged = new Dictionary<string, uint>(StringComparer.Ordinal);
        foreach (var set in sets)
            foreach (var e in set.Entries)
                merged[e.Name] = merged.TryGetValue(e.Name, out var f) ? f | e.Flags : e.Flags;
        var list = merged.Select(kv => new KfuncSetEntry(kv.Key, kv.Value)).ToList();
        list.Sort((a, b) => string.CompareOrdinal(a.Name, b.Name));
        return list;
    }

    /// <summary>Finds the kfunc sets (see the class remarks for the rules), in the order they appear.</summary>
    public static IReadOnlyList<BtfIdsSet> FindSets(ReadOnlySpan<byte> data, Endian endian,
        Func<uint, string?> funcNameOfId, uint maxTypeId)
    {
        ArgumentNullException.ThrowIfNull(funcNameOfId);
        var found = new List<BtfIdsSet>();
        var names = new Dictionary<uint, string?>();
        string? NameOf(uint id)
        {
            if (id == 0 || id > maxTypeId) return null;
            if (!names.TryGetValue(id, out var n)) names[id] = n = funcNameOfId(id);
            return n;
        }

        long off = 0;
        while (off + 16 <= data.Length)
        {
            var set = TryReadSet(data, off, endian, NameOf);
            if (set is null) { off += 4; continue; }
            found.Add(set);
            off += 8 + 8L * set.Count;
        }

        if (found.Exists(s => (s.SetFlags & SetKfuncsFlag) != 0))
            found.RemoveAll(s => (s.SetFlags & SetKfuncsFlag) == 0);
        else
            found.RemoveAll(s => s.Entries.All(e => UnflaggedFmodRetOnly.Contains(e.Name)));
        return found;
    }

    private static BtfIdsSet? TryReadSet(ReadOnlySpan<byte> data, long off, Endian endian, Func<uint, string?> nameOf)
    {
        var cnt = endian.U32(data[(int)off..]);
        var setFlags = endian.U32(data[(int)(off + 4)..]);
        if (cnt == 0 || (setFlags & ~SetKfuncsFlag) != 0) return null;
        if (cnt > (data.Length - off - 8) / 8) return null;

        var entries = new List<KfuncSetEntry>();
        var unresolved = 0;
        uint prev = 0;
        for (long i = 0; i < cnt; i++)
        {
            var p = data.Slice((int)(off + 8 + 8 * i), 8);
            var id = endian.U32(p);
            var flags = endian.U32(p[4..]);
            if (id < prev || (flags & ~KfFlagNames.PlausibleMask) != 0) return null;
            prev = id;
            if (id == 0) { unresolved++; continue; }
            var name = nameOf(id);
            if (name is null) return null;
            entries.Add(new KfuncSetEntry(name, flags));
        }
        if (entries.Count == 0) return null;
        return new BtfIdsSet(off, cnt, setFlags, unresolved, entries);
    }
}
