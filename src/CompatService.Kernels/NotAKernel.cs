using CompatService.Engine.Binary;
using CompatService.Engine.Elf;

namespace CompatService.Kernels;

/// <summary>
/// Inputs that are recognisably something other than a usable kernel, refused with a message that says what they are:
/// a BPF object (an EM_BPF ELF is never a kernel) and a raw BTF blob that is cut short or has a broken header.
/// </summary>
public static class NotAKernel
{
    /// <summary>The message for a BPF object given as a kernel.</summary>
    public const string BpfObjectMessage = "this is a BPF object (ELF machine EM_BPF), not a kernel";

    /// <summary>True for an ELF whose e_machine is EM_BPF (either byte order).</summary>
    public static bool IsBpfObject(ReadOnlySpan<byte> data)
    {
        if (!ElfFile.IsElf(data) || data.Length < 20) return false;
        var machine = data[5] == 2 ? (data[18] << 8) | data[19] : data[18] | (data[19] << 8);
        return machine == ElfConstants.EmBpf;
    }

    /// <summary>Throws when <paramref name="data"/> is a BPF object.</summary>
    public static void RejectBpfObject(ReadOnlySpan<byte> data)
    {
        if (IsBpfObject(data)) throw new BpfObjectGivenAsKernelException();
    }

    /// <summary>True for the refusal <see cref="RejectBpfObject"/> throws (decided by type, not by message).</summary>
    public static bool IsBpfObjectRefusal(BpfFormatException e) =>
        (e ?? throw new ArgumentNullException(nameof(e))) is BpfObjectGivenAsKernelException;

    /// <summary>True when the bytes start with the BTF magic (either byte order).</summary>
    public static bool HasBtfMagic(ReadOnlySpan<byte> data) =>
        data.Length >= 2 && ((data[0] == 0x9f && data[1] == 0xeb) || (data[0] == 0xeb && data[1] == 0x9f));

    /// <summary>
    /// Why bytes that start with the BTF magic are not a valid raw BTF blob: a header that is cut short, a header or
    /// section that declares more bytes than the file has, or a field out of range.
    /// </summary>
    public static string DescribeBadBtf(ReadOnlySpan<byte> data, string what = "the file")
    {
        var endian = data[0] == 0x9f ? Endian.Little : Endian.Big;
        if (data.Length < RawBtfLocator.MinHeaderLength)
            return $"BTF (magic 0xeb9f) cut short: a BTF header needs {RawBtfLocator.MinHeaderLength} bytes, {what} has {data.Length}";
        if (data[2] != 1) return $"BTF (magic 0xeb9f) of unsupported version {data[2]} (only version 1)";
        long hdrLen = endian.U32(data[4..]);
        if (hdrLen < RawBtfLocator.MinHeaderLength || hdrLen > 1024)
            return $"BTF (magic 0xeb9f) with a header length of {hdrLen} bytes (expected 24..1024)";
        long typeOff = endian.U32(data[8..]), typeLen = endian.U32(data[12..]), strOff = endian.U32(data[16..]), strLen = endian.U32(data[20..]);
        var declared = hdrLen + Math.Max(typeOff + typeLen, strOff + strLen);
        if (declared > data.Length)
            return $"truncated BTF: the BTF header declares {declared} bytes, {what} has {data.Length} (it ends at byte {data.Length}; "
                   + $"types end at {hdrLen + typeOff + typeLen}, strings at {hdrLen + strOff + strLen})";
        return $"BTF (magic 0xeb9f) with an invalid header: types at {typeOff}+{typeLen}, strings at {strOff}+{strLen} "
               + "(sections overlap, are misaligned, or the string section is empty or does not start with NUL)";
    }
}

/// <summary>A BPF object given where a kernel was expected (the API points at /api/objects, the CLI at OBJECT).</summary>
public sealed class BpfObjectGivenAsKernelException() : BpfFormatException(NotAKernel.BpfObjectMessage, 0);
