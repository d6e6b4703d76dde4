using System.Buffers.Binary;
using System.Text;

namespace CompatService.Fuzz;

/// <summary>
/// A deterministic in-process mutator (the fallback when no coverage-guided fuzzer is used): bit flips, byte sets,
/// interesting integers (0, -1, 2^31, 2^63, section/type counts), dictionary tokens (ELF / BTF / compression magics),
/// truncation, duplication of chunks and splicing of two seeds; 1–8 stacked mutations per input, from a fixed seed.
/// </summary>
public sealed class Mutator(int seed, IReadOnlyList<byte[]> dictionary)
{
    private readonly Random _rng = new(seed);

    private static readonly ulong[] Interesting =
        [0, 1, 0x7f, 0x80, 0xff, 0x7fff, 0x8000, 0xffff, 0xff00, 0x7fffffff, 0x80000000, 0xffffffff, 0x100000000,
         0x7fffffffffffffff, 0x8000000000000000, 0xffffffffffffffff, 20_000, 65_529, 1_000_000];

    public byte[] Mutate(byte[] input, IReadOnlyList<byte[]> corpus)
    {
        var data = new List<byte>(input);
        var rounds = 1 + _rng.Next(8);
        for (var r = 0; r < rounds; r++) Apply(data, corpus);
        return data.ToArray();
    }

    private void Apply(List<byte> d, IReadOnlyList<byte[]> corpus)
    {
        if (d.Count == 0) { d.AddRange(corpus[_rng.Next(corpus.Count)]); return; }
        switch (_rng.Next(10))
        {
            case 0: // bit flip
            {
                var at = _rng.Next(d.Count);
                d[at] ^= (byte)(1 << _rng.Next(8));
                break;
            }
            case 1: // random byte
                d[_rng.Next(d.Count)] = (byte)_rng.Next(256);
                break;
            case 2: // interesting integer, 1/2/4/8 bytes, either endian
            case 3:
            {
                var width = 1 << _rng.Next(4);
                if (d.Count < width) break;
                var at = _rng.Next(d.Count - width + 1);
                Span<byte> b = stackalloc byte[8];
                var v = Interesting[_rng.Next(Interesting.Length)];
                if (_rng.Next(2) == 0) BinaryPrimitives.WriteUInt64LittleEndian(b, v); else BinaryPrimitives.WriteUInt64BigEndian(b, v << (64 - width * 8));
                for (var i = 0; i < width; i++) d[at + i] = b[i];
                break;
            }
            case 4 when dictionary.Count > 0: // dictionary token (overwrite or insert)
            {
                var token = dictionary[_rng.Next(dictionary.Count)];
                var at = _rng.Next(d.Count + 1);
                if (_rng.Next(2) == 0) d.InsertRange(at, token);
                else for (var i = 0; i < token.Length && at + i < d.Count; i++) d[at + i] = token[i];
                break;
            }
            case 5: // truncate
            {
                var at = _rng.Next(d.Count);
                d.RemoveRange(at, d.Count - at);
                break;
            }
            case 6: // delete a chunk
            {
                var at = _rng.Next(d.Count);
                d.RemoveRange(at, Math.Min(d.Count - at, 1 + _rng.Next(64)));
                break;
            }
            case 7: // duplicate a chunk
            {
                var at = _rng.Next(d.Count);
                var len = Math.Min(d.Count - at, 1 + _rng.Next(256));
                d.InsertRange(_rng.Next(d.Count), d.GetRange(at, len));
                break;
            }
            case 8: // add/subtract a small number to an aligned 4-byte field
            {
                if (d.Count < 4) break;
                var at = _rng.Next(d.Count / 4) * 4;
                var v = BinaryPrimitives.ReadUInt32LittleEndian(d.GetRange(at, 4).ToArray()) + (uint)(_rng.Next(33) - 16);
                Span<byte> b = stackalloc byte[4];
                BinaryPrimitives.WriteUInt32LittleEndian(b, v);
                for (var i = 0; i < 4; i++) d[at + i] = b[i];
                break;
            }
            default: // splice with another seed
            {
                var other = corpus[_rng.Next(corpus.Count)];
                if (other.Length == 0) break;
                var from = _rng.Next(other.Length);
                var len = Math.Min(other.Length - from, 1 + _rng.Next(512));
                var at = _rng.Next(d.Count);
                for (var i = 0; i < len && at + i < d.Count; i++) d[at + i] = other[from + i];
                break;
            }
        }
    }

    /// <summary>Reads an AFL-style dictionary (name="value" lines, \xNN escapes).</summary>
    public static List<byte[]> ReadDictionary(string path)
    {
        var tokens = new List<byte[]>();
        foreach (var line in File.ReadAllLines(path))
        {
            var start = line.IndexOf('"');
            var end = line.LastIndexOf('"');
            if (line.TrimStart().StartsWith('#') || start < 0 || end <= start) continue;
            var body = line[(start + 1)..end];
            var bytes = new List<byte>();
            for (var i = 0; i < body.Length; i++)
            {
                if (body[i] == '\\' && i + 3 < body.Length && body[i + 1] == 'x')
                {
                    bytes.Add(Convert.ToByte(body.Substring(i + 2, 2), 16));
                    i += 3;
                }
                else if (body[i] == '\\' && i + 1 < body.Length) bytes.Add((byte)body[++i]);
                else bytes.AddRange(Encoding.ASCII.GetBytes(body[i].ToString()));
            }
            tokens.Add(bytes.ToArray());
        }
        return tokens;
    }
}
