using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace CompatService.Engine.Btf;

/// <summary>
/// Builds the name index on a second core while the parse scan runs: the scan publishes how many types it has
/// checked (their offsets and name offsets are then valid), this worker hashes and inserts their names behind it.
/// When the thread pool has not started the worker by the end of the scan, the scan builds the index itself.
/// The table is written by one thread only, and names are inserted in type order either way, so the result is
/// the same as a sequential build.
/// </summary>
internal sealed class BtfNameIndexBuilder
{
    private const int NotStarted = 0, Running = 1, Cancelled = 2;

    private readonly ReadOnlyMemory<byte> _types;
    private readonly bool _swap;
    private readonly BtfStringTable _strings;
    private readonly ManualResetEventSlim _finished = new(false);
    private int[] _offsets;
    private int _published;
    private int _done;
    private int _state;
    private int _processed;
    private Exception? _error;

    public BtfNameIndexBuilder(ReadOnlyMemory<byte> types, bool swap, BtfStringTable strings, int[] offsets, int expectedNames)
    {
        _types = types;
        _swap = swap;
        _strings = strings;
        _offsets = offsets;
        Index = new BtfNameIndex(expectedNames);
    }

    public BtfNameIndex Index { get; }
    /// <summary>More names than the table was sized for: the caller rebuilds.</summary>
    public bool Overflow { get; private set; }

    public void Start() => ThreadPool.UnsafeQueueUserWorkItem(static b => b.Run(), this, preferLocal: false);

    /// <summary>The scan replaced its offsets array (grown); called before publishing indices beyond the old length.</summary>
    public void OffsetsGrown(int[] offsets) => Volatile.Write(ref _offsets, offsets);

    /// <summary>Types [0, count) are checked and their offsets written.</summary>
    public void Publish(int count) => Volatile.Write(ref _published, count);

    /// <summary>
    /// Ends the build after the scan published <paramref name="count"/> types: waits for the worker, or does the
    /// remaining work here when it never started. Call <see cref="Abandon"/> instead when the scan failed.
    /// </summary>
    public void Complete(int count)
    {
        Publish(count);
        Volatile.Write(ref _done, 1);
        if (Interlocked.CompareExchange(ref _state, Cancelled, NotStarted) == NotStarted)
            Consume(); // the worker never ran: finish on this thread
        else
            _finished.Wait();
        _finished.Dispose();
        if (_error is not null) throw new InvalidOperationException("name index worker failed", _error);
    }

    /// <summary>The scan threw: let the worker stop after what was published (it touches nothing shared).</summary>
    public void Abandon()
    {
        Volatile.Write(ref _done, 1);
        Interlocked.CompareExchange(ref _state, Cancelled, NotStarted);
    }

    private void Run()
    {
        if (Interlocked.CompareExchange(ref _state, Running, NotStarted) != NotStarted) return;
        try
        {
            Consume();
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            _error = e;
        }
        finally
        {
            _finished.Set();
        }
    }

    private void Consume()
    {
        var spin = new SpinWait();
        var i = _processed;
        while (true)
        {
            var published = Volatile.Read(ref _published);
            if (i < published)
            {
                var offsets = Volatile.Read(ref _offsets);
                Insert(offsets, i, published);
                i = published;
                spin.Reset();
                continue;
            }
            if (Volatile.Read(ref _done) != 0)
            {
                if (i >= Volatile.Read(ref _published)) break;
                continue;
            }
            spin.SpinOnce(sleep1Threshold: -1);
        }
        _processed = i;
    }

    private void Insert(int[] offsets, int from, int to)
    {
        var types = _types.Span;
        var own = _strings.Own.Span;
        var ownStart = _strings.Start;
        for (var i = from; i < to; i++)
        {
            var nameOff = MemoryMarshal.Read<uint>(types[offsets[i]..]);
            if (_swap) nameOff = BinaryPrimitives.ReverseEndianness(nameOff);
            if (nameOff == 0) continue;
            if (Index.IsFull)
            {
                Overflow = true;
                continue;
            }
            var rel = nameOff - ownStart;
            var hash = nameOff >= ownStart && rel < (uint)own.Length
                ? BtfNameIndex.HashCString(own, (int)rel)
                : _strings.TryGet(nameOff, out var name) ? BtfNameIndex.Hash(name) : 0;
            Index.Add(hash, i);
        }
    }
}
