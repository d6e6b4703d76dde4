using CompatService.Engine.Asm;
using CompatService.Engine.Elf;

namespace CompatService.Engine.Object;

/// <summary>
/// Which FUNC symbol owns each instruction of a code section, computed once in near-linear time (a lookup per call was
/// linear in the number of functions: 10 000 chained sub-programs took 1.4 s). The owner of an instruction is the last
/// function in address order that contains it, a size-less function running to the end of the section.
/// </summary>
internal static class FunctionOwners
{
    /// <param name="sorted">the section's functions sorted by address.</param>
    /// <param name="insnCount">instructions in the section.</param>
    /// <returns>for each instruction the index into <paramref name="sorted"/> of its owner, or -1.</returns>
    public static int[] Build(IReadOnlyList<ElfSymbol> sorted, int insnCount)
    {
        var owner = new int[insnCount];
        Array.Fill(owner, -1);
        // next[i]: the first instruction at or after i not yet painted (path-compressed), so every cell is painted once
        // even when thousands of size-less symbols all run to the end of the section.
        var next = new int[insnCount + 1];
        for (var i = 0; i <= insnCount; i++) next[i] = i;
        for (var k = sorted.Count - 1; k >= 0; k--)
        {
            var f = sorted[k];
            var first = CeilInsn(f.Value);
            var end = f.Size == 0 || f.Value > ulong.MaxValue - f.Size ? (ulong)insnCount : CeilInsn(f.Value + f.Size);
            if (first >= (ulong)insnCount) continue;
            var last = (int)Math.Min(end, (ulong)insnCount);
            for (var i = Find(next, (int)first); i < last; i = Find(next, i + 1))
            {
                owner[i] = k;
                next[i] = i + 1;
            }
        }
        return owner;
    }

    private static ulong CeilInsn(ulong offset) => offset / Instruction.Size + (offset % Instruction.Size == 0 ? 0UL : 1UL);

    private static int Find(int[] next, int i)
    {
        var root = i;
        while (next[root] != root) root = next[root];
        while (next[i] != root)
        {
            var up = next[i];
            next[i] = root;
            i = up;
        }
        return root;
    }
}
