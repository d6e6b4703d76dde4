using CompatService.Engine.Binary;

namespace CompatService.Engine.Kernels;

/// <summary>
/// Reads a kernel image's own kallsyms (the compressed tables scripts/kallsyms.c writes into every image built with
/// CONFIG_KALLSYMS; located the way vmlinux-to-elf does): token table and index through the digit tokens, markers and
/// names before them, the symbol count before the names, addresses where the layout is recognised. Input is the
/// decompressed image (an x86 vmlinux ELF without a symbol table, or a raw arm64 Image), little-endian. Pure and
/// bounded: no I/O, every read checked, time linear in the image (the searches are bounded windows around the tables).
/// </summary>
public static class KallsymsDecoder
{
    /// <summary>Most symbols accepted (a Debian 7.x amd64 kernel has ~200 000).</summary>
    public const int MaxSymbols = 1 << 21;
    /// <summary>Longest symbol name accepted (KSYM_NAME_LEN is 512 from 6.1).</summary>
    public const int MaxNameLength = 1024;

    /// <summary>
    /// The image's kallsyms, or null (with <paramref name="why"/>) when no consistent set of tables is found (a kernel
    /// built without CONFIG_KALLSYMS). <paramref name="addressOf"/> maps a file offset to its virtual address (an ELF's
    /// program headers) for layouts whose offsets are relative to their own place; without it those addresses stay unknown.
    /// </summary>
    /// <exception cref="BpfFormatException">the tables were found but a name in them is malformed</exception>
    public static KallsymsTable? TryDecode(ReadOnlyMemory<byte> image, out string? why, Func<long, ulong?>? addressOf = null)
    {
        why = null;
        var sawTokens = false;
        foreach (var tokens in KallsymsTokens.FindAll(image))
        {
            sawTokens = true;
            foreach (var markers in KallsymsNames.FindMarkers(image, tokens.TableStart))
            {
                if (KallsymsNames.Find(image.Span, markers) is not { } names) continue;
                return Build(image.Span, tokens, markers, names, addressOf);
            }
        }
        why = sawTokens
            ? "a kallsyms token table was found but no names and markers consistent with it"
            : "no kallsyms token table (kernel built without CONFIG_KALLSYMS?)";
        return null;
    }

    private static KallsymsTable Build(ReadOnlySpan<byte> d, KallsymsTokens.Found tokens, KallsymsNames.Markers markers,
        KallsymsNames.Names names, Func<long, ulong?>? addressOf)
    {
        var decoded = KallsymsNames.Decode(d, names, tokens.Tokens);
        // Before 6.4 the names follow the addresses; the seqs_of_names between markers and tokens only exist then.
        var addresses = KallsymsAddresses.Find(d, names.Count, names.CountAt, tokens.IndexEnd,
            oldLayoutFirst: markers.SeqsFollow, addressOf);
        var entries = new (string, char, ulong?)[decoded.Count];
        for (var i = 0; i < decoded.Count; i++) entries[i] = (decoded[i].Name, decoded[i].Type, addresses?.Addresses[i]);
        var origin = $"image kallsyms: {names.Count} symbols at 0x{names.Start:x}"
            + (names.TwoByteLengths ? "" : ", one-byte lengths")
            + (markers.SeqsFollow ? ", kallsyms_seqs_of_names before the tokens" : "")
            + (markers.Width == 8 ? ", 64-bit markers" : "")
            + $", addresses: {addresses?.Layout ?? "not decoded"}";
        return KallsymsTable.Build(entries, origin);
    }
}
