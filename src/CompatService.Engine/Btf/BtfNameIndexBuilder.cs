using System.Buffers;

namespace CompatService.Engine.Btf;

/// <summary>
/// Builds the name index on a second core while the parse scan runs. The scan queues each named type's
/// (local index, name offset) — after checking the offset — and publishes the queue length now and then; this
/// worker hashes the names and inserts them behind it. When the thread pool has not started the worker by the end
/// of the scan, the scan builds the index itself. One thread writes the table and names go in in type order either
/// way, so the result is the same as a sequential build.
/// </summary>
internal sealed class BtfNameIndexBuilder
{
    private const int NotStarted = 0, Running = 1, Cancelled = 2;

    private readonly BtfStringTable _strings;
    private readonly ManualResetEventSlim _finished = new(false);
    private int[] _locals;
    private uint[] _nameOffsets;
    private int _queued;      // entries written by the scan (scan thread only)
    private int _published;   // entries the worker may read
    private int _done;
    private int _state;
    private int _processed;
    private Exception? _error;

    public BtfNameIndexBuilder(BtfStringTable strings, int expectedNames)
    {
        _strings = strings;
        _locals = ArrayPool<int>.Shared.Rent(expectedNames);
        _nameOffsets = ArrayPool<uint>.Shared.Rent(expectedNames);
        Index = new BtfNameIndex(expectedNames);
    }

    public BtfNameIndex Index { get; }
    /// <summary>More names than the table was sized for: the caller rebuilds.</summary>
    public bool Overflow { get; private set; }

    public void Start() => ThreadPool.UnsafeQueueUserWorkItem(static b => b.Run(), this, preferLocal: false);

    /// <summary>Queues a named type (scan thread). Branch-free for the common case: call it for every type, with <paramref name="named"/>.</summary>
    public void Queue(int local, uint nameOffset, bool named)
    {
        var q = _queued;
        if (q == _locals.Length) Grow();
        _locals[q] = local;
        _nameOffsets[q] = nameOffset;
        _queued = q + (named ? 1 : 0);
    }

    /// <summary>Lets the worker read everything queued so far.</summary>
    public void Publish() => Volatile.Write(ref _published, _queued);

    private void Grow()
    {
        // The worker may be reading the old arrays: copy into new ones and publish them before any index beyond.
        var locals = new int[_locals.Length * 2];
        var offsets = new uint[_locals.Length * 2];
        _locals.AsSpan(0, _queued).CopyTo(locals);
        _nameOffsets.AsSpan(0, _queued).CopyTo(offsets);
        Volatile.Write(ref _locals, locals);
        Volatile.Write(ref _nameOffsets, offsets);
    }

    /// <summary>Ends the build after the scan: waits for the worker, or does the remaining work here when it never started.</summary>
    public void Complete()
    {
        Publish();
        Volatile.Write(ref _done, 1);
        if (Interlocked.CompareExchange(ref _state, Cancelled, NotStarted) == NotStarted)
            Consume(); // the worker never ran: finish on this thread
        else
            _finished.Wait();
        _finished.Dispose();
        Return();
        if (_error is not null) throw new InvalidOperationException("name index worker failed", _error);
    }

    /// <summary>The scan threw: the worker stops after what was published; the queue is left to the GC.</summary>
    public void Abandon()
    {
        Volatile.Write(ref _done, 1);
        if (Interlocked.CompareExchange(ref _state, Cancelled, NotStarted) == NotStarted) Return();
    }

    private void Return()
    {
        // Only pooled arrays go back (Grow replaces them with plain ones).
        if (_locals.Length > 0) ArrayPool<int>.Shared.Return(_locals);
        if (_nameOffsets.Length > 0) ArrayPool<uint>.Shared.Return(_nameOffsets);
        _locals = [];
        _nameOffsets = [];
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
                Insert(Volatile.Read(ref _locals), Volatile.Read(ref _nameOffsets), i, published);
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

    private void Insert(int[] locals, uint[] nameOffsets, int from, int to)
    {
        var own = _strings.Own.Span;
        var ownStart = _strings.Start;
        for (var i = from; i < to; i++)
        {
            if (Index.IsFull)
            {
                Overflow = true;
                return;
            }
            var nameOff = nameOffsets[i];
            var rel = nameOff - ownStart;
            var hash = nameOff >= ownStart && rel < (uint)own.Length
                ? BtfNameIndex.HashCString(own, (int)rel)
                : _strings.TryGet(nameOff, out var name) ? BtfNameIndex.Hash(name) : 0;
            Index.Add(hash, locals[i]);
        }
    }
}
